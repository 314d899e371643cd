/**
 * The OpenID Connect side of `oet auth login`: discovery, the OAuth 2.0
 * device authorization grant (RFC 8628), and the refresh grant.
 *
 * Everything that waits goes through the injected clock, so tests need no
 * real time; every request goes through the injected fetch. Secrets (the
 * device code, tokens) travel only in request bodies to the issuer's own
 * endpoints, never in URLs, traces or messages, and a POST is never
 * redirected (fetch would send a 307's body, refresh token and all, to
 * wherever the redirect points).
 */

import { decodeJwt, redactSecrets } from "../domain/jwt.ts";
import { formatDuration } from "../domain/duration.ts";
import type { Clock } from "../domain/clock.ts";
import { AuthError } from "../domain/errors.ts";
import { escapeInline } from "../domain/escape.ts";
import { isDigits, trimTrailingSlashes } from "../domain/text.ts";

/** Which login: the issuer, the public client, the scope asked for. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
}

/** The endpoints discovery found (https, or http on a loopback host). */
export interface OidcEndpoints {
  /** The configured issuer, without trailing slashes. */
  issuer: string;
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
}

/**
 * What to show the user while the login waits. All text comes from the
 * issuer and has its control characters escaped already.
 */
export interface DevicePrompt {
  /** Where to sign in. */
  verificationUri: string;
  /** The same with the code filled in, if the issuer offers one. */
  verificationUriComplete?: string;
  /** The code to type there. */
  userCode: string;
  /** The issuer's own instructions (Entra ID sends one), if any. */
  message?: string;
  /** When the code expires (ms since the epoch). */
  expiresAt: number;
}

/** Tokens from the issuer. Times in seconds since the epoch. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** The access token's `exp`, else now + `expires_in`; undefined if neither is known. */
  expiresAt?: number;
  obtainedAt: number;
  /** The scopes granted, if the issuer said. */
  scope?: string;
}

/** What the OIDC client needs from outside. */
export interface OidcDeps {
  fetch: typeof fetch;
  clock: Clock;
  /** Debug lines (`OET_DEBUG=api`): method, URL, status, never a body. */
  trace?: (line: string) => void;
  /** Per-request limit in ms (real time); 0 for none. Default 30 s. */
  requestTimeoutMs?: number;
}

/** RFC 8628 §3.2: poll every 5 s unless the issuer says otherwise. */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** RFC 8628 §3.5: `slow_down` adds 5 s to the interval. */
export const SLOW_DOWN_STEP_MS = 5_000;
/** Polling backs off to at most this on network errors and 5xx answers. */
const MAX_BACKOFF_MS = 60_000;
/** Used when the issuer gives no `expires_in` for the device code (Entra's is 15 min). */
const DEFAULT_DEVICE_CODE_LIFETIME_S = 900;
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const SETTINGS = "OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE";

/** Whether a host name is this machine (http is allowed there, for tests and tunnels). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Parses `text` as an https URL (http on loopback), or undefined. */
function secureUrl(text: unknown): URL | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === "https:") return url;
    if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url;
  } catch {
    // not a URL
  }
  return undefined;
}

/** Hides known secrets and JWT-looking text, escapes control characters, one short line. */
function clean(text: string, secrets: readonly string[]): string {
  const t = escapeInline(redactSecrets(text, secrets).replace(/\s+/g, " ").trim());
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}

/** What an OAuth error answer says: `invalid_scope: AADSTS70011: …`. */
function oauthError(body: Record<string, unknown> | undefined, secrets: readonly string[]): {
  code: string;
  text: string;
} {
  const code = typeof body?.error === "string" ? clean(body.error, secrets) : "";
  const desc = typeof body?.error_description === "string"
    ? clean(body.error_description, secrets)
    : "";
  return { code, text: [code, desc].filter((s) => s !== "").join(": ") };
}

/** The way out for an OAuth error code from the device or token endpoint. */
function hintFor(code: string): string {
  switch (code) {
    case "invalid_client":
    case "unauthorized_client":
      return "check OET_AUTH_CLIENT_ID: it must be a public-client app registration that " +
        "allows public client flows (the device code flow)";
    case "invalid_scope":
      return "check OET_AUTH_SCOPE, for example: api://<oet app id>/.default offline_access";
    default:
      return `check ${SETTINGS}`;
  }
}

function seconds(v: unknown): number | undefined {
  const n = typeof v === "string" && isDigits(v) ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** An issuer URL as configured, checked; trailing slashes removed. */
function checkIssuer(issuer: string): string {
  const trimmed = trimTrailingSlashes(issuer.trim());
  const url = secureUrl(trimmed);
  if (!url || url.search || url.hash || url.username || url.password) {
    throw new AuthError(
      "login",
      `OET_AUTH_ISSUER ${JSON.stringify(clean(issuer, []))} is not an https:// issuer URL`,
      {
        hint: "for Entra ID it is https://login.microsoftonline.com/<tenant>/v2.0 " +
          "(http is allowed only for localhost)",
      },
    );
  }
  return trimmed;
}

/** One answer from the issuer: the status and the JSON object, if the body was one. */
interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** An OpenID Connect client for one process: discovery is fetched once per issuer. */
export class OidcClient {
  readonly #deps: OidcDeps;
  readonly #discovered = new Map<string, Promise<OidcEndpoints>>();

  constructor(deps: OidcDeps) {
    this.#deps = deps;
  }

  /** One request to the issuer, with the per-request time limit. Rejects with the signal's reason on abort. */
  async #request(
    url: string,
    init: RequestInit,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const limit = this.#deps.requestTimeoutMs ?? 30_000;
    // AbortSignal.timeout, not setTimeout: Deno 2.9's timers load its Node layer.
    const timeout = {
      signal: limit > 0 ? AbortSignal.timeout(limit) : new AbortController().signal,
    };
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const method = init.method ?? "GET";
    try {
      const res = await this.#deps.fetch(url, {
        ...init,
        signal: combined,
        headers: { accept: "application/json", ...init.headers },
      });
      this.#deps.trace?.(`${method} ${url} (${what}) → ${res.status}`);
      let body: Record<string, unknown> | undefined;
      const text = await res.text();
      try {
        const parsed = JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed;
      } catch {
        // not JSON: left undefined, the caller says what it expected
      }
      return { status: res.status, body };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const reason = timeout.signal.aborted
        ? `no answer within ${formatDuration(limit)}`
        : clean(err instanceof Error ? err.message : String(err), []);
      this.#deps.trace?.(`${method} ${url} (${what}) failed: ${reason}`);
      throw new IssuerUnreachable(`cannot reach ${new URL(url).host} (${what}): ${reason}`, {
        cause: err,
      });
    }
  }

  /** A form POST that is never redirected: a redirect is an error. */
  async #post(
    url: string,
    form: Record<string, string>,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const answer = await this.#request(
      url,
      {
        method: "POST",
        body: new URLSearchParams(form),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        redirect: "manual",
      },
      what,
      signal,
    );
    if (answer.status >= 300 && answer.status < 400) {
      throw new AuthError(
        "login",
        `${new URL(url).host} answered the ${what} request with a redirect (HTTP ${answer.status})`,
        { hint: "oet does not follow redirects with credentials; check OET_AUTH_ISSUER" },
      );
    }
    return answer;
  }

  /**
   * The issuer's endpoints from `<issuer>/.well-known/openid-configuration`
   * (trailing slashes on the issuer ignored). Both endpoints must be https
   * (http only on a loopback host).
   */
  discover(issuer: string, signal?: AbortSignal): Promise<OidcEndpoints> {
    let base: string;
    try {
      base = checkIssuer(issuer);
    } catch (err) {
      return Promise.reject(err);
    }
    let found = this.#discovered.get(base);
    if (!found) {
      found = this.#discover(base, signal);
      // A failure is not remembered: the next call tries again.
      found.catch(() => this.#discovered.delete(base));
      this.#discovered.set(base, found);
    }
    return found;
  }

  async #discover(base: string, signal: AbortSignal | undefined): Promise<OidcEndpoints> {
    const url = `${base}/.well-known/openid-configuration`;
    const entraHint = "check OET_AUTH_ISSUER; for Entra ID it is " +
      "https://login.microsoftonline.com/<tenant>/v2.0";
    let answer: Answer;
    try {
      answer = await this.#request(url, {}, "OpenID discovery", signal);
    } catch (err) {
      if (!(err instanceof IssuerUnreachable)) throw err;
      throw new AuthError("login", err.message, { hint: entraHint, cause: err });
    }
    if (answer.status !== 200 || !answer.body) {
      throw new AuthError(
        "login",
        `OpenID discovery failed: ${url} answered ${
          answer.status === 200 ? "with something that is not JSON" : `HTTP ${answer.status}`
        }`,
        { hint: entraHint },
      );
    }
    const endpoints: Partial<OidcEndpoints> = { issuer: base };
    for (
      const [field, key] of [
        ["device_authorization_endpoint", "deviceAuthorizationEndpoint"],
        ["token_endpoint", "tokenEndpoint"],
      ] as const
    ) {
      const value = answer.body[field];
      if (value === undefined) {
        throw new AuthError(
          "login",
          `the issuer ${base} has no ${field} in its discovery document`,
          {
            hint: field === "device_authorization_endpoint"
              ? "oet auth login needs an issuer that supports the device authorization grant " +
                "(RFC 8628); otherwise set OET_TOKEN to a token obtained another way"
              : entraHint,
          },
        );
      }
      const checked = secureUrl(value);
      if (!checked) {
        throw new AuthError(
          "login",
          `the issuer's ${field} ${JSON.stringify(clean(String(value), []))} is not an https URL`,
          { hint: "oet sends credentials only over https (http only to localhost)" },
        );
      }
      endpoints[key] = checked.href;
    }
    return endpoints as OidcEndpoints;
  }

  /**
   * Logs in with the device authorization grant: asks for a code, hands it
   * to `prompt`, then polls the token endpoint at the issuer's interval
   * until the user has signed in, the code expires, the user declines, or
   * `signal` aborts (rejects with its reason).
   */
  async deviceLogin(
    settings: OidcSettings,
    o: { prompt: (p: DevicePrompt) => void; signal?: AbortSignal },
  ): Promise<TokenSet> {
    const { clock } = this.#deps;
    const signal = o.signal;
    const endpoints = await this.discover(settings.issuer, signal);
    const start = clock.now();
    let answer: Answer;
    try {
      answer = await this.#post(
        endpoints.deviceAuthorizationEndpoint,
        {
          client_id: settings.clientId,
          scope: settings.scope,
        },
        "device code",
        signal,
      );
    } catch (err) {
      if (!(err instanceof IssuerUnreachable)) throw err;
      throw new AuthError("login", err.message, { cause: err });
    }
    const b = answer.body;
    if (answer.status !== 200 || !b) {
      const { code, text } = oauthError(b, []);
      throw new AuthError(
        "login",
        `the issuer refused the login (HTTP ${answer.status}${text ? `: ${text}` : ""})`,
        { hint: hintFor(code) },
      );
    }
    const deviceCode = b.device_code;
    const userCode = b.user_code;
    // Google and some others say verification_url.
    const verificationUri = b.verification_uri ?? b.verification_url;
    if (
      typeof deviceCode !== "string" || deviceCode === "" || typeof userCode !== "string" ||
      typeof verificationUri !== "string"
    ) {
      throw new AuthError(
        "login",
        "the issuer's device authorization answer lacks device_code, user_code or " +
          "verification_uri",
        { hint: `check ${SETTINGS}` },
      );
    }
    const secrets = [deviceCode];
    const lifetime = seconds(b.expires_in) ?? DEFAULT_DEVICE_CODE_LIFETIME_S;
    const deadline = start + lifetime * 1000;
    let interval = Math.max(1, seconds(b.interval) ?? DEFAULT_POLL_INTERVAL_MS / 1000) * 1000;
    o.prompt({
      verificationUri: clean(verificationUri, secrets),
      verificationUriComplete: typeof b.verification_uri_complete === "string"
        ? clean(b.verification_uri_complete, secrets)
        : undefined,
      userCode: clean(userCode, secrets),
      message: typeof b.message === "string" ? clean(b.message, secrets) : undefined,
      expiresAt: deadline,
    });
    const expired = () =>
      new AuthError(
        "login",
        `the login code expired before the sign-in was completed (it was valid for ${
          Math.round(lifetime / 60)
        } min)`,
        { hint: "run oet auth login again and finish signing in before the code expires" },
      );
    while (true) {
      if (clock.now() >= deadline) throw expired();
      await clock.sleep(Math.min(interval, Math.max(0, deadline - clock.now())), signal);
      signal?.throwIfAborted();
      let poll: Answer;
      try {
        poll = await this.#post(
          endpoints.tokenEndpoint,
          {
            grant_type: DEVICE_CODE_GRANT,
            device_code: deviceCode,
            client_id: settings.clientId,
          },
          "device code grant",
          signal,
        );
      } catch (err) {
        if (!(err instanceof IssuerUnreachable)) throw err;
        // RFC 8628 §3.5: after a connection failure, poll less often.
        interval = Math.min(interval * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (poll.status === 200 && poll.body) return this.#tokens(poll.body, secrets);
      if (poll.status >= 500) {
        interval = Math.min(interval * 2, MAX_BACKOFF_MS);
        continue;
      }
      const { code, text } = oauthError(poll.body, secrets);
      switch (code) {
        case "authorization_pending":
          continue;
        case "slow_down":
          interval += SLOW_DOWN_STEP_MS;
          continue;
        case "expired_token":
          throw expired();
        // RFC 8628 says access_denied; Microsoft Entra says authorization_declined.
        case "access_denied":
        case "authorization_declined":
          throw new AuthError("login", `the sign-in was declined (${text})`, {
            hint: "run oet auth login again if that was a mistake",
          });
        default:
          throw new AuthError(
            "login",
            `the issuer refused the login (HTTP ${poll.status}${text ? `: ${text}` : ""})`,
            { hint: hintFor(code) },
          );
      }
    }
  }

  /**
   * Renews an access token with a refresh token. The issuer may send a new
   * refresh token (rotation); if it does not, the old one is kept. An
   * `invalid_grant` (refresh token expired or revoked) is an AuthError
   * "expired".
   */
  async refresh(
    settings: OidcSettings,
    refreshToken: string,
    signal?: AbortSignal,
  ): Promise<TokenSet> {
    const endpoints = await this.discover(settings.issuer, signal);
    const secrets = [refreshToken];
    let answer: Answer;
    try {
      answer = await this.#post(
        endpoints.tokenEndpoint,
        {
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: settings.clientId,
          scope: settings.scope,
        },
        "refresh",
        signal,
      );
    } catch (err) {
      if (!(err instanceof IssuerUnreachable)) throw err;
      throw new AuthError("login", err.message, { cause: err });
    }
    if (answer.status === 200 && answer.body) {
      const tokens = this.#tokens(answer.body, secrets);
      return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
    }
    const { code, text } = oauthError(answer.body, secrets);
    const said = `HTTP ${answer.status}${text ? `: ${text}` : ""}`;
    if (code === "invalid_grant") {
      throw new AuthError("expired", `the login has expired or was revoked (${said})`, {
        hint: "log in again: oet auth login",
      });
    }
    throw new AuthError("login", `the issuer refused to renew the token (${said})`, {
      hint: hintFor(code),
    });
  }

  /** Checks a successful token answer. */
  #tokens(body: Record<string, unknown>, secrets: readonly string[]): TokenSet {
    const access = body.access_token;
    const refresh = body.refresh_token;
    const type = body.token_type;
    const bad = (what: string) =>
      new AuthError("login", `the issuer's token answer ${what}`, { hint: `check ${SETTINGS}` });
    if (typeof access !== "string" || access === "") throw bad("has no access_token");
    // It goes into an HTTP header: printable ASCII only, no spaces.
    if (!/^[\x21-\x7e]+$/.test(access)) throw bad("has an access_token that cannot be sent");
    if (typeof type === "string" && type.toLowerCase() !== "bearer") {
      throw bad(
        `is a ${JSON.stringify(clean(type, [...secrets, access]))} token, not a bearer token`,
      );
    }
    if (refresh !== undefined && (typeof refresh !== "string" || refresh === "")) {
      throw bad("has a refresh_token that is not a string");
    }
    const now = this.#deps.clock.now() / 1000;
    const lifetime = seconds(body.expires_in);
    const exp = decodeJwt(access)?.exp;
    return {
      accessToken: access,
      refreshToken: refresh as string | undefined,
      expiresAt: exp ?? (lifetime === undefined ? undefined : Math.floor(now + lifetime)),
      obtainedAt: Math.floor(now),
      scope: typeof body.scope === "string" ? body.scope : undefined,
    };
  }
}

/** A request to the issuer that got no answer (network, TLS, time limit). */
class IssuerUnreachable extends Error {}
