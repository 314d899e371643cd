/**
 * Where `oet` finds its settings. Precedence, highest first:
 *
 * 1. command-line flags (`--server-url`, `--request-timeout`);
 * 2. the real environment (`OET_REST_URI`, then `OET_URL`, which OET 6/7
 *    deployments inject);
 * 3. a `.env` file in the current directory (same keys; never overrides the
 *    real environment);
 * 4. the defaults below.
 */

import { parseDotEnv } from "./dotenv.ts";
import { UsageError } from "../domain/errors.ts";
import { redactUrl } from "../domain/redact.ts";
import { formatDuration, parseDuration } from "../domain/duration.ts";
import { trimTrailingSlashes } from "../domain/text.ts";
import { isMissingFileError } from "../domain/files.ts";

/**
 * Every environment variable `oet` reads, with what it does (for `oet help
 * environment` and the README). The binary is compiled with
 * `--allow-env=<these names> --ignore-env`, and `main.ts` passes exactly
 * these to the program, so a variable missing here cannot silently stop
 * working: the type below would not let the code read it.
 */
export const ENV_DOCS = {
  OET_REST_URI: "the OET REST API root, when --server-url is not given",
  OET_URL: "the same, as OET 6/7 deployments inject it (OET_REST_URI wins)",
  OET_CONTEXT:
    "the context to use (oet context --help); --context and a real OET_REST_URI/OET_URL win",
  OET_CONFIG:
    "the configuration file (contexts), instead of $XDG_CONFIG_HOME/oet/config.toml or ~/.config/oet/config.toml; not from .env",
  OET_REQUEST_TIMEOUT: "limit for each HTTP request, e.g. 35s (--request-timeout wins)",
  OET_RECONNECT_TIMEOUT:
    "how long a waiting command or listen keeps reconnecting to a lost server (default 60 s)",
  OET_DEBUG: "api: trace HTTP on stderr; 1: stack traces on errors; all: both (empty, 0: off)",
  NO_COLOR: "any value: no colour, even on a terminal",
  FORCE_COLOR: "colour even when not on a terminal (0 or false: never); NO_COLOR wins",
  CLICOLOR_FORCE: "colour even when not on a terminal (unless 0); NO_COLOR wins",
  TERM: "dumb: no colour",
  OET_TOKEN: "an access token to send as Authorization: Bearer (servers behind SKA's AAA)",
  OET_TOKEN_FILE: "a file holding the access token, read again before each request",
  OET_AUTH_ISSUER: "oet auth login: the OpenID Connect issuer (Entra ID: …/<tenant>/v2.0)",
  OET_AUTH_CLIENT_ID: "oet auth login: the public-client app registration's id",
  OET_AUTH_SCOPE: "oet auth login: the scopes, e.g. 'api://<oet app>/.default offline_access'",
  XDG_CONFIG_HOME:
    "where the contexts and the login cache live: $XDG_CONFIG_HOME/oet (else ~/.config/oet)",
  HOME: "the home directory, for ~/.config/oet",
  // The runtime's fetch honours these by itself; oet reads them only so that
  // `oet doctor` can say which proxy, if any, its requests go through.
  HTTPS_PROXY: "proxy for https:// servers (the runtime uses it; oet doctor reports it)",
  https_proxy: "the same, when HTTPS_PROXY is not set",
  HTTP_PROXY: "proxy for http:// servers (the runtime uses it; oet doctor reports it)",
  http_proxy: "the same, when HTTP_PROXY is not set",
  ALL_PROXY: "proxy for every server; wins over HTTPS_PROXY and HTTP_PROXY",
  all_proxy: "the same, when ALL_PROXY is not set",
  NO_PROXY: "hosts, domains and IP ranges reached directly, comma-separated",
  no_proxy: "the same, when NO_PROXY is not set",
} as const;

/** The name of a variable `oet` reads. */
export type EnvName = keyof typeof ENV_DOCS;

/** Every environment variable `oet` reads (the binary's `--allow-env` list). */
export const ENV_VARS: readonly EnvName[] = Object.keys(ENV_DOCS) as EnvName[];

/** The environment as `oet` sees it. */
export type Env = Partial<Record<EnvName, string>>;

/** The keys a `.env` file may set (not OET_CONFIG: the file that names contexts is the user's, not a directory's). */
const DOTENV_KEYS: readonly EnvName[] = ENV_VARS.filter((k) =>
  k.startsWith("OET_") && k !== "OET_CONFIG"
);

/** The reference doc's default: the in-cluster name of a 5.x server. */
export const DEFAULT_SERVER_URL = "http://ska-oso-oet-rest:5000/api/v1.0";

/** A little longer than the OET's own 30 s limit, so its 504 arrives first. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 35_000;

/** How long a waiting command keeps trying to reach a server that went away. */
export const DEFAULT_RECONNECT_WINDOW_MS = 60_000;

/** A setting and where it came from, for error messages. */
export interface Sourced<T> {
  value: T;
  source: string;
}

/**
 * Reads `.env` from the current directory: only `OET_*` keys, and a missing
 * file is no error. `read` is injected (the binary reads the real disk).
 */
export async function loadDotEnv(
  read: (path: string) => Promise<string>,
  path = ".env",
): Promise<Env> {
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    if (isMissingFileError(err)) return {};
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = parseDotEnv(text);
  const env: Env = {};
  for (const key of DOTENV_KEYS) if (parsed[key] !== undefined) env[key] = parsed[key];
  return env;
}

/**
 * The real environment, with `.env` values only where it has none. A
 * variable that is set, even to the empty string, is not filled: `VAR= oet …`
 * is a choice (see `readSetting`), not an absence.
 */
export function withDotEnv(real: Env, dotenv: Env): { env: Env; fromDotEnv: Set<EnvName> } {
  const env: Env = { ...real };
  const fromDotEnv = new Set<EnvName>();
  for (const [k, v] of Object.entries(dotenv) as [EnvName, string][]) {
    if (env[k] === undefined) {
      env[k] = v;
      fromDotEnv.add(k);
    }
  }
  return { env, fromDotEnv };
}

function describeSource(name: EnvName, fromDotEnv: Set<EnvName>): string {
  return fromDotEnv.has(name) ? `${name} in .env` : `${name} in the environment`;
}

/**
 * Settings whose empty value is an error rather than "unset": a server URL,
 * a timeout (and, as they come, a context or config file name). `OET_REST_URI=`
 * falling back to the default host would fail far from its cause.
 * `OET_DEBUG` empty means off; `OET_TOKEN`/`OET_TOKEN_FILE` empty (a CI secret
 * that is not set) mean unset, with a note (see `EMPTY_MEANS_UNSET`).
 */
export const EMPTY_IS_ERROR: readonly EnvName[] = [
  "OET_REST_URI",
  "OET_URL",
  "OET_CONTEXT",
  "OET_CONFIG",
  "OET_REQUEST_TIMEOUT",
  "OET_RECONNECT_TIMEOUT",
];

/** Settings whose empty value means unset, said once on stderr. */
export const EMPTY_MEANS_UNSET: readonly EnvName[] = ["OET_TOKEN", "OET_TOKEN_FILE"];

/**
 * One setting of `EMPTY_IS_ERROR` from the environment (or `.env`): its
 * value and where it came from, undefined when it is not set, and a usage
 * error (exit 2) naming it when it is set but empty. The one rule for every
 * such variable.
 */
export function readSetting(
  env: Env,
  name: EnvName,
  fromDotEnv: Set<EnvName> = new Set(),
): Sourced<string> | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const source = describeSource(name, fromDotEnv);
  if (v.trim() === "") {
    throw new UsageError(`${source} is set but empty`, {
      hint: `give ${name} a value, or unset it (unset ${name})`,
    });
  }
  return { value: v, source };
}

/**
 * `env` without the empty `EMPTY_MEANS_UNSET` variables, and one note per
 * variable dropped (a CI job whose secret is not set passes an empty one).
 */
export function dropEmptyCredentials(env: Env): { env: Env; notes: string[] } {
  const out: Env = { ...env };
  const notes: string[] = [];
  for (const name of EMPTY_MEANS_UNSET) {
    if (out[name] !== undefined && out[name]!.trim() === "") {
      delete out[name];
      notes.push(`${name} is set but empty; treated as unset`);
    }
  }
  return { env: out, notes };
}

/** Checks that a server URL is an absolute http(s) URL; trailing slashes go. */
export function validateServerUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(
      `invalid server URL ${JSON.stringify(redactUrl(value))} (from ${source})`,
      {
        hint: "expected an http:// or https:// URL such as http://ska-oso-oet-rest:5000/api/v1.0",
      },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(
      `server URL ${JSON.stringify(redactUrl(value))} (from ${source}) is not http:// or https://`,
      { hint: "expected a URL such as http://ska-oso-oet-rest:5000/api/v1.0" },
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `server URL ${
        JSON.stringify(redactUrl(value))
      } (from ${source}) must not have a query or fragment`,
    );
  }
  const path = trimTrailingSlashes(url.pathname);
  // Only when it changes: the first URL setter of a process costs about 0.15 ms.
  if (path !== url.pathname) url.pathname = path;
  return url;
}

/**
 * The server URL by precedence: flag, OET_REST_URI, OET_URL, then the same
 * keys from `.env` (the real environment always wins), then the default.
 */
export function resolveServerUrl(
  flag: string | undefined,
  env: Env,
  fromDotEnv: Set<EnvName> = new Set(),
): Sourced<URL> {
  if (flag !== undefined) {
    return { value: validateServerUrl(flag, "--server-url"), source: "--server-url" };
  }
  const keys = ["OET_REST_URI", "OET_URL"] as const;
  const ordered = [
    ...keys.filter((k) => !fromDotEnv.has(k)),
    ...keys.filter((k) => fromDotEnv.has(k)),
  ];
  for (const name of ordered) {
    const set = readSetting(env, name, fromDotEnv);
    if (set) return { value: validateServerUrl(set.value, set.source), source: set.source };
  }
  return { value: validateServerUrl(DEFAULT_SERVER_URL, "the default"), source: "the default" };
}

/** Parses a positive duration setting, naming where a bad value came from. */
export function parsePositiveDuration(text: string, source: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `invalid duration ${JSON.stringify(text)} (from ${source})`,
      { hint: "use a number of seconds or a value such as 500ms, 35s, 10m, 1h30m" },
    );
  }
  return ms;
}

/** The per-request timeout: `--request-timeout`, OET_REQUEST_TIMEOUT, 35 s. */
export function resolveRequestTimeout(
  flag: string | undefined,
  env: Env,
  fromDotEnv: Set<EnvName> = new Set(),
): Sourced<number> {
  if (flag !== undefined) {
    return { value: parsePositiveDuration(flag, "--request-timeout"), source: "--request-timeout" };
  }
  const set = readSetting(env, "OET_REQUEST_TIMEOUT", fromDotEnv);
  if (set) return { value: parsePositiveDuration(set.value, set.source), source: set.source };
  return {
    value: DEFAULT_REQUEST_TIMEOUT_MS,
    source: `the default (${formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)})`,
  };
}

/** How long a lost event stream may stay down: OET_RECONNECT_TIMEOUT, 60 s. */
export function resolveReconnectWindow(env: Env, fromDotEnv: Set<EnvName> = new Set()): number {
  const set = readSetting(env, "OET_RECONNECT_TIMEOUT", fromDotEnv);
  if (!set) return DEFAULT_RECONNECT_WINDOW_MS;
  return parsePositiveDuration(set.value, set.source);
}
