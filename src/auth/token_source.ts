/**
 * Which access token `oet` sends, found afresh before every request (and
 * every event-stream reconnect). The first source that is set wins:
 *
 * 1. `OET_TOKEN`: the access token itself;
 * 2. `OET_TOKEN_FILE`: a file holding it, read again each time so that a
 *    sidecar can rotate it;
 * 3. the cache that `oet auth login` writes, for the login named by
 *    `OET_AUTH_ISSUER`, `OET_AUTH_CLIENT_ID` and `OET_AUTH_SCOPE`; renewed
 *    silently with its refresh token within 60 s of expiry.
 *
 * With none of these set nothing is read at all, so a server without AAA
 * sees the same requests, and `oet` the same start-up, as before.
 */

import {
  authErrorForResponse,
  expiredTokenError,
  formatRelative,
  formatUtc,
  noTokenError,
  type TokenOrigin,
} from "../domain/aaa.ts";
import { AuthError, OetError, UsageError } from "../domain/errors.ts";
import { decodeJwt, type JwtClaims, redactSecrets } from "../domain/jwt.ts";
import {
  type CacheEntry,
  type CacheEntrySummary,
  type CacheKey,
  cacheKey,
  cachePath,
  TokenCache,
} from "./cache.ts";
import { type AuthFs, fsReason } from "./fs.ts";
import type { OidcClient, OidcSettings } from "./oidc.ts";
import type { Clock } from "../domain/clock.ts";
import { isGiven, tokensConfigured } from "../domain/token_settings.ts";

/** Every environment variable `src/auth` reads (for the binary's `--allow-env` list). */
export const AUTH_ENV_VARS = [
  "OET_TOKEN",
  "OET_TOKEN_FILE",
  "OET_AUTH_ISSUER",
  "OET_AUTH_CLIENT_ID",
  "OET_AUTH_SCOPE",
  "XDG_CONFIG_HOME",
  "HOME",
] as const;

/** The name of a variable `src/auth` reads. */
export type AuthEnvName = typeof AUTH_ENV_VARS[number];

/** The environment as `src/auth` sees it (`.env` already merged in by the caller). */
export type AuthEnv = Partial<Record<AuthEnvName, string>>;

/**
 * Where each variable came from, for messages: `{ OET_TOKEN: "OET_TOKEN in .env" }`.
 * A variable without a label is "<NAME> in the environment".
 */
export type AuthEnvLabels = Partial<Record<AuthEnvName, string>>;

/** A cached token this close to expiry (or closer) is renewed before use. */
export const RENEW_BEFORE_MS = 60_000;

/**
 * After a failed renewal of a token that still works, requests go on with
 * it for this long before trying again, rather than each paying for a
 * failing request to the issuer (up to its time limit).
 */
export const RENEW_RETRY_MS = 15_000;

const LOGIN_VARS = ["OET_AUTH_ISSUER", "OET_AUTH_CLIENT_ID", "OET_AUTH_SCOPE"] as const;

/** The token to send, where it came from, and what it says about itself. */
export interface CurrentToken {
  /** The access token. Only for the Authorization header and `oet auth token`. */
  token: string;
  origin: TokenOrigin;
  /** Decoded claims, unverified; undefined for an opaque token. */
  claims?: JwtClaims;
  /** Expiry in seconds since the epoch (the JWT's `exp`, else what the issuer said). */
  expiresAt?: number;
}

/** What `oet auth status` shows. Holds no token, so all of it may be printed. */
export interface AuthStatus {
  /** A token is at hand now, or a cached one can be renewed. */
  authenticated: boolean;
  /** `none`: nothing configured; `not-logged-in`: login settings but no cached login. */
  state: "none" | "valid" | "expired" | "renewable" | "not-logged-in" | "unusable" | "unreadable";
  /** "OET_TOKEN in the environment", "the login cache (/…/tokens.json)". */
  source?: string;
  sourceKind?: TokenOrigin["kind"];
  name?: string;
  username?: string;
  roles?: string[];
  scopes?: string[];
  audience?: string[];
  issuer?: string;
  /** ISO 8601 UTC. */
  expiresAt?: string;
  /** `2026-11-29 21:04:05 UTC`. */
  expires?: string;
  /** `in 42 min`, `3 min ago`. */
  expiresIn?: string;
  /** A refresh token is cached. */
  renewable?: boolean;
  /** The login settings, if all set. */
  login?: { issuer: string; clientId: string; scope: string; cache: string };
  /** Why the token cannot be used (unreadable file, cache refused…). */
  problem?: string;
  /** The way out for `problem`. */
  hint?: string;
}

/** What a TokenSource needs. */
export interface TokenSourceDeps {
  env: AuthEnv;
  labels?: AuthEnvLabels;
  /** Reads OET_TOKEN_FILE and the cache. */
  fs: AuthFs;
  clock: Clock;
  /** The OIDC client, made only when a token must be renewed or a login made. */
  oidc: () => OidcClient;
  /** The cache; by default the file under XDG_CONFIG_HOME or HOME. Made on first use. */
  cache?: () => TokenCache;
  /** Debug lines (never a token): renewals and their failures. */
  note?: (line: string) => void;
}

/** "OET_TOKEN in the environment", or the caller's label. */
function labelOf(labels: AuthEnvLabels | undefined, name: AuthEnvName): string {
  return labels?.[name] ?? `${name} in the environment`;
}

const set = isGiven;

/**
 * The login settings, if all three OET_AUTH_* variables are set; undefined
 * if none is; a UsageError naming the missing ones if only some are.
 */
export function loginSettings(env: AuthEnv, labels?: AuthEnvLabels): OidcSettings | undefined {
  const given = LOGIN_VARS.filter((k) => set(env[k]));
  if (given.length === 0) return undefined;
  if (given.length < LOGIN_VARS.length) throw missingSettings(env, labels);
  return {
    issuer: env.OET_AUTH_ISSUER!.trim(),
    clientId: env.OET_AUTH_CLIENT_ID!.trim(),
    scope: env.OET_AUTH_SCOPE!.trim(),
  };
}

/** The login settings, all three, or a UsageError naming the missing ones. */
export function requireLoginSettings(env: AuthEnv, labels?: AuthEnvLabels): OidcSettings {
  const s = loginSettings(env, labels);
  if (!s) throw missingSettings(env, labels);
  return s;
}

function missingSettings(env: AuthEnv, labels: AuthEnvLabels | undefined): UsageError {
  const missing = LOGIN_VARS.filter((k) => !set(env[k]));
  const given = LOGIN_VARS.filter((k) => set(env[k]));
  const names = missing.length === 1
    ? missing[0]
    : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
  const also = given.length ? ` (${given.map((k) => labelOf(labels, k)).join(", ")} is set)` : "";
  return new UsageError(`${names} ${missing.length === 1 ? "is" : "are"} not set${also}`, {
    hint: "oet auth login needs all three, for example OET_AUTH_ISSUER=" +
      "https://login.microsoftonline.com/<tenant>/v2.0, OET_AUTH_CLIENT_ID=<public client id>, " +
      "OET_AUTH_SCOPE='api://<oet app id>/.default offline_access' (in the environment or .env)",
  });
}

/**
 * An access token as given in OET_TOKEN or its file: surrounding blanks
 * and a `Bearer ` prefix are dropped; anything that cannot go in an HTTP
 * header is refused (naming where it came from, never showing it).
 */
function usableToken(text: string, origin: TokenOrigin): string {
  const token = text.trim().replace(/^bearer\s+/i, "");
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new AuthError(
      "no-token",
      `the token from ${origin.label} cannot be sent: it holds spaces, line breaks or ` +
        "characters outside ASCII",
      { hint: "it must be the access token alone, on one line" },
    );
  }
  return token;
}

/** Finds the token to send; see the module comment. */
export class TokenSource {
  readonly #deps: TokenSourceDeps;
  #cache?: TokenCache;
  #oidc?: OidcClient;
  /** The last decoded token, so a fixed token is decoded once, not per request. */
  #decoded?: { token: string; claims: JwtClaims | undefined };
  /** The cached login in use, kept in memory until it nears expiry. */
  #entry?: CacheEntry;
  /** A renewal under way, shared by concurrent requests. */
  #renewing?: Promise<CurrentToken>;
  /** When the last renewal failed while the token still worked (ms). */
  #renewFailedAt?: number;

  constructor(deps: TokenSourceDeps) {
    this.#deps = deps;
  }

  /** Whether any token source or login is configured (reads nothing). */
  get configured(): boolean {
    return tokensConfigured(this.#deps.env);
  }

  /** Whether all three login settings are set (reads nothing). */
  get loginConfigured(): boolean {
    return LOGIN_VARS.every((k) => set(this.#deps.env[k]));
  }

  /** The label of OET_TOKEN or OET_TOKEN_FILE when set: they win over any login. */
  get overriddenBy(): string | undefined {
    const env = this.#deps.env;
    if (set(env.OET_TOKEN)) return labelOf(this.#deps.labels, "OET_TOKEN");
    if (set(env.OET_TOKEN_FILE)) return labelOf(this.#deps.labels, "OET_TOKEN_FILE");
    return undefined;
  }

  /** The injected clock. */
  get clock(): Clock {
    return this.#deps.clock;
  }

  /** The token cache (made on first use; throws if HOME and XDG_CONFIG_HOME are unusable). */
  get cache(): TokenCache {
    this.#cache ??= this.#deps.cache?.() ??
      new TokenCache(cachePath(this.#deps.env), this.#deps.fs);
    return this.#cache;
  }

  /** The OIDC client (made on first use). */
  get oidc(): OidcClient {
    this.#oidc ??= this.#deps.oidc();
    return this.#oidc;
  }

  /** The login settings (all three), or a UsageError naming the missing ones. */
  loginSettings(): OidcSettings {
    return requireLoginSettings(this.#deps.env, this.#deps.labels);
  }

  #claims(token: string): JwtClaims | undefined {
    if (this.#decoded?.token !== token) this.#decoded = { token, claims: decodeJwt(token) };
    return this.#decoded.claims;
  }

  #loginOrigin(): TokenOrigin {
    return { kind: "login", label: `the login cache (${this.cache.path})` };
  }

  /**
   * The token to send now, or undefined when none is configured (or the
   * login settings are set but nobody has logged in). Renews a cached token
   * within 60 s of expiry; refuses an expired token that cannot be renewed
   * (AuthError "expired", nothing sent).
   */
  async current(signal?: AbortSignal): Promise<CurrentToken | undefined> {
    const fixed = await this.#fixedToken();
    if (fixed) return this.#notExpired(fixed);
    const settings = loginSettings(this.#deps.env, this.#deps.labels);
    if (!settings) return undefined;
    return await this.#fromCache(settings, signal);
  }

  /**
   * The token to send now, or AuthError "no-token" if there is none
   * (`oet auth token`).
   */
  async require(signal?: AbortSignal): Promise<CurrentToken> {
    const found = await this.current(signal);
    if (!found) {
      throw await this.#withKeptLogin(noTokenError({ loginConfigured: this.loginConfigured }));
    }
    return found;
  }

  /**
   * The way out when no token is configured but a login is kept: the login
   * is found by OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE, so
   * after `OET_AUTH_…=… oet auth login` on one line it is there but unused.
   * Undefined when settings are given, or nothing is kept (or readable).
   */
  async keptLoginHint(): Promise<string | undefined> {
    if (this.configured) return undefined;
    let kept: CacheEntrySummary[];
    try {
      kept = await this.cache.list();
    } catch {
      return undefined; // no HOME, or a cache it may not read: the usual hint stands
    }
    const first = kept[0];
    if (!first) return undefined;
    const more = kept.length > 1 ? ` (and ${kept.length - 1} more)` : "";
    return `a login is kept for ${first.issuer} (client ${first.clientId}, scope ${first.scope})${more}, ` +
      "but it is used only while OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE name it: " +
      "export them (or put them in .env)";
  }

  async #withKeptLogin(err: AuthError): Promise<AuthError> {
    const kept = await this.keptLoginHint();
    return kept ? new AuthError(err.failure, err.message, { hint: kept }) : err;
  }

  /** The token of OET_TOKEN or OET_TOKEN_FILE (read afresh), if either is set; no expiry check. */
  async #fixedToken(): Promise<CurrentToken | undefined> {
    const env = this.#deps.env;
    const labels = this.#deps.labels;
    let origin: TokenOrigin;
    let text: string;
    if (set(env.OET_TOKEN)) {
      origin = { kind: "env", label: labelOf(labels, "OET_TOKEN") };
      text = env.OET_TOKEN;
    } else if (set(env.OET_TOKEN_FILE)) {
      const path = env.OET_TOKEN_FILE.trim();
      origin = { kind: "file", label: `${path} (${labelOf(labels, "OET_TOKEN_FILE")})` };
      text = await this.#readTokenFile(path, origin);
    } else {
      return undefined;
    }
    const token = usableToken(text, origin);
    const claims = this.#claims(token);
    return { token, origin, claims, expiresAt: claims?.exp };
  }

  /** A fixed token as it is, or AuthError "expired" once its `exp` has passed. */
  #notExpired(t: CurrentToken): CurrentToken {
    const now = this.#deps.clock.now();
    if (t.expiresAt !== undefined && t.expiresAt * 1000 <= now) {
      throw expiredTokenError({ exp: t.expiresAt, origin: t.origin, now });
    }
    return t;
  }

  async #readTokenFile(path: string, origin: TokenOrigin): Promise<string> {
    let text: string | undefined;
    try {
      text = await this.#deps.fs.readTextFile(path);
    } catch (err) {
      throw new AuthError(
        "no-token",
        `cannot read the token file ${origin.label}: ${fsReason(err)}`,
        {
          hint: "check the path and its permissions, or whatever writes the token there",
          cause: err,
        },
      );
    }
    if (text === undefined) {
      throw new AuthError("no-token", `the token file ${origin.label} does not exist`, {
        hint: "check the path, or whatever should write the token there",
      });
    }
    if (text.trim() === "") {
      throw new AuthError("no-token", `the token file ${origin.label} is empty`, {
        hint: "check whatever should write the token there",
      });
    }
    return text;
  }

  #fromEntry(entry: CacheEntry): CurrentToken {
    const claims = this.#claims(entry.accessToken);
    return {
      token: entry.accessToken,
      origin: this.#loginOrigin(),
      claims,
      expiresAt: claims?.exp ?? entry.expiresAt,
    };
  }

  /** Milliseconds until the entry's token expires; Infinity when unknown. */
  #remaining(entry: CacheEntry): number {
    const exp = this.#claims(entry.accessToken)?.exp ?? entry.expiresAt;
    return exp === undefined ? Infinity : exp * 1000 - this.#deps.clock.now();
  }

  async #fromCache(
    settings: OidcSettings,
    signal?: AbortSignal,
  ): Promise<CurrentToken | undefined> {
    const key = cacheKey(settings.issuer, settings.clientId, settings.scope);
    const now = this.#deps.clock.now();
    if (this.#entry) {
      const remaining = this.#remaining(this.#entry);
      const backingOff = this.#renewFailedAt !== undefined &&
        now - this.#renewFailedAt < RENEW_RETRY_MS && remaining > 0;
      if (remaining > RENEW_BEFORE_MS || backingOff) return this.#fromEntry(this.#entry);
    }
    // First use, or near expiry: read the file (another oet may have renewed it).
    const entry = await this.cache.get(key);
    this.#entry = entry;
    if (!entry) return undefined;
    if (this.#remaining(entry) > RENEW_BEFORE_MS) return this.#fromEntry(entry);
    this.#renewing ??= this.#renew(settings, key, entry, signal).finally(() => {
      this.#renewing = undefined;
    });
    return await this.#renewing;
  }

  async #renew(
    settings: OidcSettings,
    key: CacheKey,
    entry: CacheEntry,
    signal?: AbortSignal,
  ): Promise<CurrentToken> {
    const note = this.#deps.note;
    const secrets = [entry.accessToken, ...(entry.refreshToken ? [entry.refreshToken] : [])];
    const stillValid = this.#remaining(entry) > 0;
    const refuse = (reason?: string) => {
      const exp = this.#claims(entry.accessToken)?.exp ?? entry.expiresAt!;
      return expiredTokenError({
        exp,
        origin: this.#loginOrigin(),
        now: this.#deps.clock.now(),
        reason,
        noRefreshToken: entry.refreshToken === undefined,
        scope: entry.scope,
        redact: secrets,
      });
    };
    if (!entry.refreshToken) {
      if (stillValid) return this.#fromEntry(entry);
      throw refuse();
    }
    let fresh: CacheEntry;
    try {
      const tokens = await this.oidc.refresh(settings, entry.refreshToken, signal);
      fresh = {
        ...key,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: tokens.expiresAt,
        obtainedAt: tokens.obtainedAt,
      };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const reason = redactSecrets(err instanceof Error ? err.message : String(err), secrets);
      note?.(`could not renew the token from ${this.cache.path}: ${reason}`);
      // A token that has not expired yet is still worth sending.
      if (stillValid) {
        this.#renewFailedAt = this.#deps.clock.now();
        return this.#fromEntry(entry);
      }
      throw refuse(reason);
    }
    this.#entry = fresh;
    this.#renewFailedAt = undefined;
    try {
      await this.cache.put(fresh);
      note?.(`renewed the token in ${this.cache.path}`);
    } catch (err) {
      // The renewed token works for this run; the next run renews again.
      note?.(
        `renewed the token but could not save it: ${
          redactSecrets((err as Error).message, [fresh.accessToken, fresh.refreshToken ?? ""])
        }`,
      );
    }
    return this.#fromEntry(fresh);
  }

  /**
   * The AuthError for a 401 or 403 answer to a request that carried `sent`
   * (undefined when no token was sent). `path` is below the API root.
   */
  async errorForResponse(a: {
    status: number;
    method: string;
    path: string;
    serverMessage?: string;
    sent?: CurrentToken;
  }): Promise<AuthError> {
    const err = authErrorForResponse({
      status: a.status,
      method: a.method,
      path: a.path,
      serverMessage: a.serverMessage,
      tokenSent: a.sent !== undefined,
      claims: a.sent?.claims,
      origin: a.sent?.origin,
      now: this.#deps.clock.now(),
      loginConfigured: this.loginConfigured,
      redact: a.sent ? [a.sent.token] : [],
    });
    return a.sent ? err : await this.#withKeptLogin(err);
  }

  /**
   * What `oet auth status` shows, without any token and without network:
   * an expired cached token with a refresh token is "renewable".
   */
  async status(): Promise<AuthStatus> {
    const now = this.#deps.clock.now();
    const env = this.#deps.env;
    const settings = loginSettings(env, this.#deps.labels);
    let cache = "";
    try {
      cache = settings ? this.cache.path : "";
    } catch (err) {
      // No HOME: say so in the status instead of failing.
      cache = `(none: ${(err as Error).message})`;
    }
    const login = settings && {
      ...cacheKey(settings.issuer, settings.clientId, settings.scope),
      cache,
    };
    const describe = (t: CurrentToken): AuthStatus => {
      const c = t.claims;
      const exp = t.expiresAt;
      return {
        authenticated: true,
        state: "valid",
        source: t.origin.label,
        sourceKind: t.origin.kind,
        name: c?.name,
        username: c?.username,
        roles: c?.roles,
        scopes: c?.scopes,
        audience: c?.aud,
        issuer: c?.iss,
        expiresAt: exp === undefined ? undefined : new Date(Math.floor(exp) * 1000).toISOString(),
        expires: exp === undefined ? undefined : formatUtc(exp),
        expiresIn: exp === undefined ? undefined : formatRelative(exp, now),
        login,
      };
    };
    const problem = (err: unknown, source?: string, kind?: TokenOrigin["kind"]): AuthStatus => {
      if (!(err instanceof OetError) || err instanceof UsageError) throw err;
      return {
        authenticated: false,
        state: "unusable",
        source,
        sourceKind: kind,
        problem: err.message,
        hint: err.hint,
        login,
      };
    };
    let fixed: CurrentToken | undefined;
    try {
      fixed = await this.#fixedToken();
    } catch (err) {
      return problem(err, this.overriddenBy, set(env.OET_TOKEN) ? "env" : "file");
    }
    if (fixed && !fixed.claims) {
      // SKA's AAA takes Entra ID access tokens, which are JWTs: the OET will refuse this one.
      return {
        authenticated: false,
        state: "unreadable",
        source: fixed.origin.label,
        sourceKind: fixed.origin.kind,
        hint: `set ${
          fixed.origin.kind === "file" ? "the file of OET_TOKEN_FILE" : "OET_TOKEN"
        } to an access token (a JWT) issued for the OET's API`,
        login,
      };
    }
    if (fixed) {
      try {
        return describe(this.#notExpired(fixed));
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        return { ...describe(fixed), authenticated: false, state: "expired", hint: err.hint };
      }
    }
    if (!settings) {
      return {
        authenticated: false,
        state: "none",
        hint: (await this.keptLoginHint()) ?? noTokenError().hint,
      };
    }
    let entry: CacheEntry | undefined;
    try {
      entry = await this.cache.get(cacheKey(settings.issuer, settings.clientId, settings.scope));
    } catch (err) {
      return problem(err, this.#loginOrigin().label, "login");
    }
    if (!entry) {
      return {
        authenticated: false,
        state: "not-logged-in",
        login,
        hint: "log in with: oet auth login",
      };
    }
    const base = describe(this.#fromEntry(entry));
    const renewable = entry.refreshToken !== undefined;
    const remaining = this.#remaining(entry);
    if (remaining > 0) return { ...base, renewable };
    return {
      ...base,
      renewable,
      authenticated: renewable,
      state: renewable ? "renewable" : "expired",
      hint: renewable ? undefined : "log in again: oet auth login",
    };
  }
}
