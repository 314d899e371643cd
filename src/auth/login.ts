/**
 * `oet auth login` and `oet auth logout` without their printing: log in
 * with the device authorization grant and keep the tokens in the cache;
 * forget them again. Results are plain text for stderr and never hold a
 * token.
 */

import {
  ACCEPTED_ROLES,
  ENDPOINT_REQUIREMENTS,
  formatRelative,
  formatUtc,
  noRefreshText,
} from "../domain/aaa.ts";
import { decodeJwt, type JwtClaims } from "../domain/jwt.ts";
import { type CacheEntrySummary, type CacheKey, cacheKey } from "./cache.ts";
import type { DevicePrompt } from "./oidc.ts";
import type { TokenSource } from "./token_source.ts";

/** What a login achieved. */
export interface LoginResult {
  /** The new access token's claims (unverified); undefined for an opaque token. */
  claims?: JwtClaims;
  /** Seconds since the epoch. */
  expiresAt?: number;
  /** The cache file the login was saved in. */
  cachePath: string;
  hasRefreshToken: boolean;
  /** One line for stderr: who logged in and where the login is kept. */
  message: string;
  /** Lines for stderr the user should read (warnings), possibly none. */
  notes: string[];
}

/** What a logout removed. */
export interface LogoutResult {
  cachePath: string;
  removed: CacheEntrySummary[];
  /** One line for stderr: what was removed, or that there was nothing. */
  message: string;
  notes: string[];
}

function who(claims: JwtClaims | undefined): string {
  if (!claims) return "(an opaque token: no name in it)";
  const name = claims.name ?? claims.username ?? claims.subject ?? "an unnamed user";
  return claims.username && claims.username !== name ? `${name} (${claims.username})` : name;
}

function describeLogin(e: CacheKey): string {
  return `${e.issuer} (client ${e.clientId}, scope ${e.scope})`;
}

/** The scopes any OET endpoint asks for. */
const KNOWN_SCOPES = [...new Set(ENDPOINT_REQUIREMENTS.map((r) => r.scope))];

/**
 * Logs in: checks the settings and the cache first (so a problem shows
 * before the user signs in), runs the device authorization grant with
 * `prompt` showing the code, and saves the tokens. Ctrl-C (`signal`)
 * rejects with the signal's reason and saves nothing.
 */
export async function logIn(
  source: TokenSource,
  o: { prompt: (p: DevicePrompt) => void; signal?: AbortSignal },
): Promise<LoginResult> {
  const settings = source.loginSettings();
  const cache = source.cache;
  await cache.assertPrivate();
  const tokens = await source.oidc.deviceLogin(settings, o);
  await cache.put({
    ...cacheKey(settings.issuer, settings.clientId, settings.scope),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    obtainedAt: tokens.obtainedAt,
  });
  const claims = decodeJwt(tokens.accessToken);
  const now = source.clock.now();
  const notes: string[] = [];
  if (!tokens.refreshToken) {
    notes.push(`the login cannot be renewed when it expires: ${noRefreshText(settings.scope)}`);
  }
  if (claims && !claims.roles.some((r) => ACCEPTED_ROLES.includes(r))) {
    notes.push(
      `the token has none of the roles ${ACCEPTED_ROLES.join(", ")}: the OET will refuse it ` +
        "until the OET's administrators give you one",
    );
  }
  if (claims && !KNOWN_SCOPES.some((s) => claims.scopes.includes(s))) {
    notes.push(
      `the token has none of the scopes ${KNOWN_SCOPES.join(", ")}: check OET_AUTH_SCOPE`,
    );
  }
  const overriddenBy = source.overriddenBy;
  if (overriddenBy) {
    notes.push(`${overriddenBy} is set and wins over this login: unset it to use the login`);
  }
  const expiry = tokens.expiresAt === undefined
    ? ""
    : `; the token expires at ${formatUtc(tokens.expiresAt)} (${
      formatRelative(tokens.expiresAt, now)
    })${tokens.refreshToken ? " and is renewed when needed" : ""}`;
  return {
    claims,
    expiresAt: tokens.expiresAt,
    cachePath: cache.path,
    hasRefreshToken: tokens.refreshToken !== undefined,
    message: `logged in as ${who(claims)}; the login is kept in ${cache.path}${expiry}`,
    notes,
  };
}

/**
 * Forgets cached logins: the one the OET_AUTH_* settings name, or every
 * one (`all`, or when the settings are not all set). Nothing is revoked at
 * the issuer; the tokens are only deleted here.
 */
export async function logOut(
  source: TokenSource,
  o: { all?: boolean } = {},
): Promise<LogoutResult> {
  const cache = source.cache;
  const notes: string[] = [];
  const overriddenBy = source.overriddenBy;
  if (overriddenBy) notes.push(`${overriddenBy} is still set: oet keeps sending that token`);
  if (o.all || !source.loginConfigured) {
    const r = await cache.removeAll();
    const message = r.entries.length
      ? `removed ${
        r.entries.length === 1 ? "the login" : `${r.entries.length} logins`
      } from ${cache.path}: ${r.entries.map(describeLogin).join("; ")}`
      : r.fileRemoved
      ? `removed ${cache.path} (it held no usable login)`
      : `nothing to remove: there is no ${cache.path}`;
    return { cachePath: cache.path, removed: r.entries, message, notes };
  }
  const s = source.loginSettings();
  const key = cacheKey(s.issuer, s.clientId, s.scope);
  const removed = await cache.remove(key);
  if (removed) {
    const left = (await cache.list()).length;
    if (left) {
      notes.push(`${left} other login${left === 1 ? " remains" : "s remain"} in ${cache.path}`);
    }
    return {
      cachePath: cache.path,
      removed: [removed],
      message: `removed the login for ${describeLogin(removed)} from ${cache.path}`,
      notes,
    };
  }
  const others = (await cache.list()).length;
  if (others) notes.push(`${others} login${others === 1 ? "" : "s"} for other settings remain`);
  return {
    cachePath: cache.path,
    removed: [],
    message: `nothing to remove: no login for ${describeLogin(key)} ` +
      `in ${cache.path}`,
    notes,
  };
}
