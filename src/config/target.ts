/**
 * Which server a command talks to, and which context (if any) is in
 * effect. Highest first:
 *
 * 1. `--server-url` (with `--context` too: a usage error);
 * 2. `--context NAME`;
 * 3. the real environment's `OET_REST_URI` / `OET_URL`;
 * 4. the real environment's `OET_CONTEXT`;
 * 5. `.env`'s `OET_REST_URI` / `OET_URL`;
 * 6. `.env`'s `OET_CONTEXT`;
 * 7. the file's `current-context`;
 * 8. the default URL.
 *
 * A context is in effect as a whole or not at all: when a URL wins over it,
 * none of its settings apply (auth, timeout, label, protection), so its
 * login is never sent to a server it does not name. Protection still
 * follows the URL: a URL equal to a protected context's `server_url` is
 * protected whichever way it was given.
 */

import { UsageError } from "../domain/errors.ts";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Env,
  type EnvName,
  parsePositiveDuration,
  readSetting,
  resolveRequestTimeout,
  resolveServerUrl,
  type Sourced,
  validateServerUrl,
} from "./config.ts";
import type { ContextSettings, LoadedConfig } from "./file.ts";

/** The context in effect. */
export interface ActiveContext {
  name: string;
  settings: ContextSettings;
  /** Why: `--context`, `OET_CONTEXT in the environment`, `current-context in PATH`. */
  source: string;
}

/** Where a command goes. */
export interface Target {
  url: URL;
  /** Why this URL: `--server-url`, `OET_REST_URI in the environment`, `context mid`, `the default`. */
  urlSource: string;
  /** The context in effect, if one is. */
  context?: ActiveContext;
  /**
   * The protected context this target falls under: the context in effect if
   * it is protected, else one whose `server_url` equals the URL.
   */
  protectedBy?: string;
  /** The file's `current-context`, if it names one. */
  current?: string;
  /** The file as read. */
  config: LoadedConfig;
}

/** The flags that choose a target. */
export interface TargetFlags {
  serverUrl?: string;
  context?: string;
}

const URL_KEYS = ["OET_REST_URI", "OET_URL"] as const;

function given(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== "";
}

/** The usage error for a name the file does not have, listing the names it has. */
export function unknownContext(name: string, source: string, config: LoadedConfig): UsageError {
  const names = Object.keys(config.data.contexts);
  return new UsageError(
    `no context named ${JSON.stringify(name)} (from ${source}) in ${config.path}`,
    {
      hint: names.length
        ? `the contexts are: ${names.join(", ")} (oet context list)`
        : `there are no contexts yet: oet context add ${name} --server-url URL`,
    },
  );
}

/** Two URLs name the same server root (after the usual normalisation). */
export function sameServer(a: URL, b: string): boolean {
  try {
    return validateServerUrl(b, "").href === a.href;
  } catch {
    return false;
  }
}

/** Resolves the target; see the module comment. */
export function resolveTarget(
  flags: TargetFlags,
  env: Env,
  fromDotEnv: ReadonlySet<EnvName>,
  config: LoadedConfig,
): Target {
  if (flags.serverUrl !== undefined && flags.context !== undefined) {
    throw new UsageError("--server-url and --context cannot be used together", {
      hint: "--context NAME already names its server; give one or the other",
    });
  }
  const dotenv = new Set(fromDotEnv);
  const current = config.data.currentContext;
  const byUrl = (flag?: string): Target => {
    const server = resolveServerUrl(flag, env, dotenv);
    return finish({ url: server.value, urlSource: server.source, current, config });
  };
  const byContext = (name: string, source: string): Target => {
    const settings = config.data.contexts[name];
    if (!settings) throw unknownContext(name, source, config);
    const url = validateServerUrl(settings.server_url, `context ${name} in ${config.path}`);
    return finish({
      url,
      urlSource: `context ${name}`,
      context: { name, settings, source },
      current,
      config,
    });
  };
  // Set, even empty: an empty one is then a usage error naming it (readSetting's rule).
  const real = (k: EnvName) => env[k] !== undefined && !dotenv.has(k);
  const fromFile = (k: EnvName) => env[k] !== undefined && dotenv.has(k);
  const named = () => {
    const s = readSetting(env, "OET_CONTEXT", dotenv)!;
    return byContext(s.value.trim(), s.source);
  };

  if (flags.serverUrl !== undefined) return byUrl(flags.serverUrl);
  if (flags.context !== undefined) return byContext(flags.context, "--context");
  if (URL_KEYS.some(real)) return byUrl();
  if (real("OET_CONTEXT")) return named();
  if (URL_KEYS.some(fromFile)) return byUrl();
  if (fromFile("OET_CONTEXT")) return named();
  if (current !== undefined) return byContext(current, `current-context in ${config.path}`);
  return byUrl();
}

/** Adds `protectedBy`. */
function finish(t: Target): Target {
  if (t.context?.settings.protected) return { ...t, protectedBy: t.context.name };
  const match = Object.entries(t.config.data.contexts).find(([, c]) =>
    c.protected && sameServer(t.url, c.server_url)
  );
  return match ? { ...t, protectedBy: match[0] } : t;
}

/** Which context is in effect and why, as `status` and `doctor` report it. */
export interface TargetSummary {
  /** The context in effect, or null. */
  context: string | null;
  /** Its telescope label, or null. */
  telescope: string | null;
  /** Protected: by the context in effect, or by a protected context's URL. */
  protected: boolean;
  /** Why this server: `--context`, `current-context in PATH`, `OET_REST_URI in the environment`. */
  source: string;
  /** The current context when it is not in effect (something wins over it), else null. */
  overridden: string | null;
}

/** The summary of a target; see TargetSummary. */
export function summarizeTarget(t: Target): TargetSummary {
  return {
    context: t.context?.name ?? null,
    telescope: t.context?.settings.telescope ?? null,
    protected: t.protectedBy !== undefined,
    source: t.context?.source ?? t.urlSource,
    overridden: t.current !== undefined && t.context?.name !== t.current ? t.current : null,
  };
}

/** One line for people: "mid-prod (SKA-Mid, protected), from --context", or undefined with no contexts at all. */
export function describeContext(t: Target): string | undefined {
  const s = summarizeTarget(t);
  if (s.context) {
    const more = [s.telescope, s.protected ? "protected" : undefined].filter((x) => x);
    return `${s.context}${more.length ? ` (${more.join(", ")})` : ""}, from ${s.source}`;
  }
  if (s.overridden) {
    return `none: ${s.source} wins over the current context ${s.overridden}${
      s.protected ? ` (the URL is protected context ${t.protectedBy}'s)` : ""
    }`;
  }
  if (s.protected) return `none, but the URL is protected context ${t.protectedBy}'s`;
  return undefined;
}

/** The request timeout: `--request-timeout` > the environment > the context in effect > 35 s. */
export function targetRequestTimeout(
  flag: string | undefined,
  env: Env,
  fromDotEnv: ReadonlySet<EnvName>,
  target: Target,
): Sourced<number> {
  const fromEnv = resolveRequestTimeout(flag, env, new Set(fromDotEnv));
  const own = target.context?.settings.request_timeout;
  if (flag !== undefined || given(env.OET_REQUEST_TIMEOUT) || own === undefined) return fromEnv;
  const source = `request_timeout of context ${target.context!.name}`;
  return { value: parsePositiveDuration(own, source), source };
}

/** The default timeout, re-exported for messages. */
export { DEFAULT_REQUEST_TIMEOUT_MS };

/**
 * The environment the token source sees: the context's `auth_*` as
 * `OET_AUTH_*` when none of those is set (OET_TOKEN and OET_TOKEN_FILE
 * still win inside the token source), with labels naming the context.
 */
export function authEnvFor(
  env: Env,
  target: Target | undefined,
): { env: Env; labels: Partial<Record<EnvName, string>> } {
  const c = target?.context;
  const keys = ["OET_AUTH_ISSUER", "OET_AUTH_CLIENT_ID", "OET_AUTH_SCOPE"] as const;
  if (!c || keys.some((k) => given(env[k]))) return { env, labels: {} };
  const s = c.settings;
  const pairs = [
    ["OET_AUTH_ISSUER", s.auth_issuer, "auth_issuer"],
    ["OET_AUTH_CLIENT_ID", s.auth_client_id, "auth_client_id"],
    ["OET_AUTH_SCOPE", s.auth_scope, "auth_scope"],
  ] as const;
  const out: Env = { ...env };
  const labels: Partial<Record<EnvName, string>> = {};
  for (const [k, v, key] of pairs) {
    if (v !== undefined) {
      out[k] = v;
      labels[k] = `${key} of context ${c.name}`;
    }
  }
  return { env: out, labels };
}
