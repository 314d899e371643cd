/**
 * What `oet context add` and `set` share: the options that set a context's
 * settings, the checks on names and values, and how a context is shown
 * (`list`, `show`).
 */

import { parsePositiveDuration, validateServerUrl } from "../../config/config.ts";
import type { Env, EnvName } from "../../config/config.ts";
import { CONTEXT_NAME, type ContextSettings, type LoadedConfig } from "../../config/file.ts";
import { unknownContext } from "../../config/target.ts";
import { UsageError } from "../../domain/errors.ts";
import type { JsonObject } from "../../domain/types.ts";
import { redactUrl } from "../../domain/redact.ts";
import {
  type FlagOption,
  unsetFlagOption,
  type ValueOption,
  valueOption,
} from "../framework/spec.ts";
import { trimTrailingSlashes } from "../../domain/text.ts";

const text = (t: string) => t;

/**
 * The options of `add` and `set`, one per setting. The server URL and the
 * request timeout are the global `--server-url` and `--request-timeout`
 * (these commands send nothing, so the flags name the context's settings).
 */
export interface SettingOptions {
  telescope: ValueOption<string>;
  protected: FlagOption<undefined>;
  authIssuer: ValueOption<string>;
  authClientId: ValueOption<string>;
  authScope: ValueOption<string>;
}

/** The options of `add` and `set` that set one setting each. */
export function settingOptions(): SettingOptions {
  return {
    telescope: valueOption(
      "telescope",
      "a label shown before a command drives the telescope, e.g. SKA-Mid",
      text,
      { valueName: "label" },
    ),
    protected: unsetFlagOption(
      "protected",
      "commands that change what the telescope does ask for the context's name (or --yes); --no-protected or --protected=False lifts it",
    ),
    authIssuer: valueOption("auth-issuer", "oet auth login: the OpenID Connect issuer", text, {
      valueName: "url",
    }),
    authClientId: valueOption("auth-client-id", "oet auth login: the public client's id", text, {
      valueName: "id",
    }),
    authScope: valueOption("auth-scope", "oet auth login: the scopes", text, {
      valueName: "scopes",
    }),
  };
}

/** The setting values of a command line: its options, and the global --server-url and --request-timeout. */
export function givenSettings(
  opts: Omit<SettingValues, "serverUrl" | "requestTimeout">,
  settings: { serverUrl?: string; requestTimeout?: string },
): SettingValues {
  return { ...opts, serverUrl: settings.serverUrl, requestTimeout: settings.requestTimeout };
}

/** The values of settingOptions(). */
export interface SettingValues {
  serverUrl?: string;
  telescope?: string;
  /** True protects, False lifts the protection, undefined leaves it as it is. */
  protected?: boolean;
  authIssuer?: string;
  authClientId?: string;
  authScope?: string;
  requestTimeout?: string;
}

/** A context name, checked. */
export function checkName(name: string): string {
  if (!CONTEXT_NAME.test(name)) {
    throw new UsageError(
      `invalid context name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`,
    );
  }
  return name;
}

/** The context named `name`, or a usage error listing the names. */
export function existing(config: LoadedConfig, name: string): ContextSettings {
  const c = config.data.contexts[name];
  if (!c) throw unknownContext(name, "the command line", config);
  return c;
}

/** A server URL as stored: checked, without trailing slashes. */
function serverUrl(value: string, source: string): string {
  validateServerUrl(value, source);
  return trimTrailingSlashes(value.trim());
}

/** `settings` with the options given applied (unset options leave a setting as it is). */
export function applySettings(
  settings: Partial<ContextSettings>,
  o: SettingValues,
): Partial<ContextSettings> {
  const out = { ...settings };
  if (o.serverUrl !== undefined) out.server_url = serverUrl(o.serverUrl, "--server-url");
  const strings = [
    ["telescope", o.telescope, "--telescope"],
    ["auth_issuer", o.authIssuer, "--auth-issuer"],
    ["auth_client_id", o.authClientId, "--auth-client-id"],
    ["auth_scope", o.authScope, "--auth-scope"],
  ] as const;
  for (const [key, value, flag] of strings) {
    if (value === undefined) continue;
    if (value.trim() === "") throw new UsageError(`${flag} needs a non-empty value`);
    out[key] = value.trim();
  }
  if (o.requestTimeout !== undefined) {
    parsePositiveDuration(o.requestTimeout, "--request-timeout");
    out.request_timeout = o.requestTimeout.trim();
  }
  if (o.protected === true) out.protected = true;
  // False is "not protected", which the file writes by leaving the key out.
  if (o.protected === false) delete out.protected;
  return out;
}

/**
 * `--from-env`: the server and the login from the real environment (never
 * `.env`): OET_REST_URI (else OET_URL) and OET_AUTH_*.
 */
export function fromEnvironment(env: Env, fromDotEnv: ReadonlySet<EnvName>): SettingValues {
  const real = (k: EnvName) => {
    const v = env[k];
    return v !== undefined && v.trim() !== "" && !fromDotEnv.has(k) ? v : undefined;
  };
  const url = real("OET_REST_URI") ?? real("OET_URL");
  if (url === undefined) {
    throw new UsageError("--from-env: neither OET_REST_URI nor OET_URL is set in the environment");
  }
  return {
    serverUrl: url,
    authIssuer: real("OET_AUTH_ISSUER"),
    authClientId: real("OET_AUTH_CLIENT_ID"),
    authScope: real("OET_AUTH_SCOPE"),
  };
}

/** A context as `-o json` shows it. */
export function contextJson(
  name: string,
  c: ContextSettings,
  current: string | undefined,
): JsonObject {
  return {
    name,
    server_url: redactUrl(c.server_url),
    telescope: c.telescope ?? null,
    protected: c.protected ?? false,
    current: name === current,
    auth_issuer: c.auth_issuer ?? null,
    auth_client_id: c.auth_client_id ?? null,
    auth_scope: c.auth_scope ?? null,
    request_timeout: c.request_timeout ?? null,
  };
}
