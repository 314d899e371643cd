/**
 * What SKA's AAA asks of each OET endpoint, and the messages for a request
 * that was not authenticated or not allowed (exit code 5).
 *
 * The table follows the OET's `btn-2654-aaa` branch (docs/servers.md,
 * "Per-endpoint roles and scopes"). It is used to explain a 401 or 403,
 * never to decide anything: the server decides, and a token's claims are
 * decoded without verification.
 */

import { DAYS_FROM_S, daysText } from "./duration.ts";
import { AuthError } from "./errors.ts";
import { type JwtClaims, redactSecrets } from "./jwt.ts";

/** The role that may use every endpoint on any telescope. */
export const ENGINEER_ROLE = "SW_ENGINEER";

/**
 * The operator roles. A deployment accepts only its own telescope's one
 * (`SKA_TELESCOPE`), which a client cannot know, so messages name both.
 */
export const OPERATOR_ROLES: readonly string[] = [
  "MID_TELESCOPE_OPERATOR",
  "LOW_TELESCOPE_OPERATOR",
];

/** Any one of these is enough for every OET endpoint (with the right scope). */
export const ACCEPTED_ROLES: readonly string[] = [ENGINEER_ROLE, ...OPERATOR_ROLES];

/** What one endpoint requires: one of `roles`, and `scope`. */
export interface EndpointRequirement {
  readonly method: "GET" | "POST" | "PUT";
  /** Below the API root, without slashes at either end; `{id}` stands for one path segment. */
  readonly path: string;
  /** What the request does, for messages. */
  readonly action: string;
  readonly roles: readonly string[];
  readonly scope: string;
  /** A scope a later OET release may ask for instead (said in messages, never assumed). */
  readonly laterScope?: string;
}

/** The OET endpoints and what each requires (docs/servers.md, "Per-endpoint roles and scopes"). */
export const ENDPOINT_REQUIREMENTS: readonly EndpointRequirement[] = [
  { method: "GET", path: "procedures", action: "list procedures", scope: "activity:read" },
  { method: "GET", path: "procedures/{id}", action: "read a procedure", scope: "activity:read" },
  {
    method: "POST",
    path: "procedures",
    action: "create a procedure",
    scope: "procedure:execute",
  },
  {
    method: "PUT",
    path: "procedures/{id}",
    action: "start or stop a procedure",
    scope: "procedure:execute",
  },
  { method: "GET", path: "activities", action: "list activities", scope: "activity:read" },
  { method: "GET", path: "activities/{id}", action: "read an activity", scope: "activity:read" },
  {
    method: "POST",
    path: "activities",
    action: "run an activity",
    scope: "activity:read",
    // As written on the branch; its tests also mint activity:execute.
    laterScope: "activity:execute",
  },
  { method: "GET", path: "stream", action: "listen to events", scope: "activity:read" },
].map((r) => ({ ...r, roles: ACCEPTED_ROLES }) as EndpointRequirement);

/** A path below the API root, without query, fragment, or slashes at either end. */
function normalisePath(path: string): string {
  return path.replace(/[?#].*$/s, "").replace(/^\/+|\/+$/g, "");
}

/**
 * The requirement of a request, from its method and its path below the API
 * root (`procedures`, `/procedures/7/`, `stream`); undefined for a path the
 * table does not know.
 */
export function requirementFor(method: string, path: string): EndpointRequirement | undefined {
  const segments = normalisePath(path).split("/");
  const m = method.toUpperCase();
  return ENDPOINT_REQUIREMENTS.find((r) => {
    const want = r.path.split("/");
    return r.method === m && want.length === segments.length &&
      want.every((w, i) => w === "{id}" ? segments[i] !== "" : w === segments[i]);
  });
}

/** Where a token came from, for messages and hints. */
export interface TokenOrigin {
  /** `env`: OET_TOKEN; `file`: OET_TOKEN_FILE; `login`: the cache of `oet auth login`. */
  readonly kind: "env" | "file" | "login";
  /** For people: "OET_TOKEN in the environment", "the login cache (/home/me/.config/oet/tokens.json)". */
  readonly label: string;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `2026-11-29 21:04:05 UTC` from seconds since the epoch. */
export function formatUtc(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${
    pad(d.getUTCHours())
  }:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * How far `seconds` (since the epoch) is from `nowMs`: "in 42 min",
 * "42 min ago", "in 3 h 5 min", "2 d 4 h ago", "in 12 s".
 */
export function formatRelative(seconds: number, nowMs: number): string {
  const delta = Math.floor(seconds) - Math.floor(nowMs / 1000);
  const s = Math.abs(delta);
  let text: string;
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < DAYS_FROM_S) {
    const m = Math.floor((s % 3600) / 60);
    text = `${Math.floor(s / 3600)} h` + (m ? ` ${m} min` : "");
  } else text = daysText(s);
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** `2026-11-29 21:04:05 UTC (42 min ago)`. */
function when(seconds: number, nowMs: number): string {
  return `${formatUtc(seconds)} (${formatRelative(seconds, nowMs)})`;
}

/** A server's text made safe to quote: one line, short, no token in it. */
function quoteServer(text: string | undefined, redact: readonly string[] = []): string {
  if (!text) return "";
  const t = redactSecrets(text, redact).replace(/\s+/g, " ").trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

/** `(HTTP 401, GET /procedures: Not authenticated)`. */
function answerText(a: {
  status?: number;
  method?: string;
  path?: string;
  serverMessage?: string;
  redact?: readonly string[];
}): string {
  if (a.status === undefined) return "";
  const request = a.method && a.path !== undefined
    ? `, ${a.method.toUpperCase()} /${normalisePath(a.path)}`
    : "";
  const said = quoteServer(a.serverMessage, a.redact);
  return ` (HTTP ${a.status}${request}${said ? `: ${said}` : ""})`;
}

const LOGIN_SETTINGS = "OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE";

/** The way out when no token is at hand. */
function loginHint(loginConfigured: boolean): string {
  return loginConfigured
    ? "log in with: oet auth login, or set OET_TOKEN to an access token"
    : `log in with: oet auth login (set ${LOGIN_SETTINGS} first), or set OET_TOKEN to an access token`;
}

/** The way out for a token that expired, by where it came from. */
function renewHint(origin: TokenOrigin | undefined): string {
  switch (origin?.kind) {
    case "env":
      return `the token came from ${origin.label}: set it to a new token, ` +
        "or unset OET_TOKEN and log in with: oet auth login";
    case "file":
      return `the token came from ${origin.label}, which was not renewed: ` +
        "check what writes that file, or unset OET_TOKEN_FILE and log in with: oet auth login";
    default:
      return "log in again: oet auth login";
  }
}

/**
 * The error for "no token, but one is needed": the server asked for one
 * (give `status`…) or a command needs one (`oet auth token`).
 * `loginConfigured`: the OET_AUTH_* settings are all set, so only the login is missing.
 */
export function noTokenError(o: {
  status?: number;
  method?: string;
  path?: string;
  serverMessage?: string;
  loginConfigured?: boolean;
  redact?: readonly string[];
} = {}): AuthError {
  const what = o.status === undefined
    ? "not authenticated: no token is configured"
    : "not authenticated: no token was sent, and the server asks for one";
  return new AuthError("no-token", what + answerText(o), {
    hint: loginHint(o.loginConfigured ?? false),
  });
}

/**
 * The error for a token that expired before it was sent and could not be
 * renewed: `reason` says why renewal failed, `noRefreshToken` that it could
 * not be tried. `exp` in seconds, `now` in ms.
 */
export function expiredTokenError(o: {
  exp: number;
  origin: TokenOrigin;
  now: number;
  reason?: string;
  noRefreshToken?: boolean;
  /** The login's scope (to tell "ask for offline_access" from "it was asked for, in vain"). */
  scope?: string;
  /** Secrets to hide should `reason` quote them. */
  redact?: readonly string[];
}): AuthError {
  const renewal = o.reason ? ` and renewing it failed: ${quoteServer(o.reason, o.redact)}` : "";
  const hint = renewHint(o.origin) + (o.noRefreshToken ? ` (${noRefreshText(o.scope)})` : "");
  return new AuthError(
    "expired",
    `not authenticated: the token from ${o.origin.label} expired at ${when(o.exp, o.now)}` +
      `${renewal}; nothing was sent`,
    { hint },
  );
}

/**
 * Why a login cannot be renewed: no refresh token. The way out depends on
 * whether offline_access was asked for (if it was, the issuer declined).
 */
export function noRefreshText(scope: string | undefined): string {
  return scope?.split(/\s+/).includes("offline_access")
    ? "the issuer sent no refresh token although OET_AUTH_SCOPE asks for offline_access; " +
      "its app registration may not allow it"
    : "no refresh token was cached: add offline_access to OET_AUTH_SCOPE to stay logged in";
}

/** A 401 or 403 answer, and what was sent. */
export interface AuthAnswer {
  /** 401 or 403 (anything else is read as 401). */
  status: number;
  method: string;
  /** Below the API root: `procedures/7`, `/stream`, `activities/`. */
  path: string;
  /** The server's own message (FastAPI's `detail`), if any. */
  serverMessage?: string;
  /** Whether an `Authorization: Bearer` header went with the request. */
  tokenSent: boolean;
  /** The sent token's claims; undefined for an opaque token (or none sent). */
  claims?: JwtClaims;
  origin?: TokenOrigin;
  /** Milliseconds since the epoch. */
  now: number;
  /** The OET_AUTH_* settings are all set (for the hint when no token was sent). */
  loginConfigured?: boolean;
  /** Secrets to hide should the server echo them (the token that was sent). */
  redact?: readonly string[];
}

function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function has(label: string, items: readonly string[]): string {
  if (items.length === 0) return `no ${label}s`;
  return `${label}${items.length > 1 ? "s" : ""} ${items.join(", ")}`;
}

/** `audience api://oet, issuer https://…`, or what is missing. */
function identity(claims: JwtClaims): string {
  const aud = claims.aud.length ? claims.aud.join(", ") : "none";
  return `audience ${aud}, issuer ${claims.iss ?? "none"}`;
}

/** How to point a login at the right audience and tenant, by where the token came from. */
function audienceHint(origin: TokenOrigin | undefined): string {
  if (origin?.kind === "env" || origin?.kind === "file") {
    return `the token came from ${origin.label}: get one issued for this OET's API ` +
      "(its audience) by its tenant (the issuer)";
  }
  return "check that OET_AUTH_SCOPE names this OET's API (the audience) and OET_AUTH_ISSUER " +
    "its tenant, then log in again: oet auth login";
}

function rejected(a: AuthAnswer, claims: JwtClaims | undefined): AuthError {
  const answer = answerText(a);
  if (!claims) {
    return new AuthError(
      "rejected",
      `not authenticated: the server rejected the token (not a JWT, so its audience and ` +
        `issuer are unknown)${answer}`,
      { hint: audienceHint(a.origin) },
    );
  }
  if (claims.nbf !== undefined && claims.nbf * 1000 > a.now) {
    return new AuthError(
      "rejected",
      `not authenticated: the token is not valid before ${when(claims.nbf, a.now)}${answer}`,
      { hint: "check this computer's clock, or wait and try again" },
    );
  }
  return new AuthError(
    "rejected",
    `not authenticated: the server rejected the token for ${identity(claims)}${answer}`,
    { hint: audienceHint(a.origin) },
  );
}

function forbidden(a: AuthAnswer, claims: JwtClaims | undefined): AuthError {
  const req = requirementFor(a.method, a.path);
  const request = `${a.method.toUpperCase()} /${normalisePath(a.path)}`;
  const answer = answerText({ status: a.status, serverMessage: a.serverMessage, redact: a.redact });
  const needs = req
    ? `${request} (${req.action}) needs role ${listOr(req.roles)} and scope ${req.scope}`
    : `the server refused ${request}`;
  if (!claims) {
    return new AuthError(
      "forbidden",
      `not allowed: ${needs}; the token is not a JWT, so its roles and scopes are unknown${answer}`,
      { hint: audienceHint(a.origin) },
    );
  }
  const held = `the token has ${has("role", claims.roles)} and ${has("scope", claims.scopes)}`;
  if (!req) {
    return new AuthError("forbidden", `not allowed: ${needs}; ${held}${answer}`, {
      hint: audienceHint(a.origin),
    });
  }
  const roleOk = claims.roles.some((r) => req.roles.includes(r));
  const scopeOk = claims.scopes.includes(req.scope);
  const fromLogin = a.origin === undefined || a.origin.kind === "login";
  const hints: string[] = [];
  if (!roleOk) {
    hints.push(
      `ask the OET's administrators for the role ${ENGINEER_ROLE} or your telescope's ` +
        `operator role (${OPERATOR_ROLES.join(" on SKA-Mid, ")} on SKA-Low)`,
    );
  }
  if (!scopeOk) {
    const later = req.laterScope && claims.scopes.includes(req.laterScope)
      ? ` (the token has ${req.laterScope}, which a later OET may ask for instead)`
      : "";
    hints.push(
      fromLogin
        ? `add ${req.scope} to OET_AUTH_SCOPE${later}`
        : `the token came from ${a.origin!.label}: get one with the scope ${req.scope}${later}`,
    );
  }
  if (hints.length) {
    return new AuthError("forbidden", `not allowed: ${needs}; ${held}${answer}`, {
      hint: hints.join("; ") + (fromLogin ? "; then log in again: oet auth login" : ""),
    });
  }
  // The claims look right, so the server objects to something else: an
  // operator role for the other telescope, or the audience or issuer.
  const operatorOnly = !claims.roles.includes(ENGINEER_ROLE);
  return new AuthError(
    "forbidden",
    `not allowed: ${needs}; ${held}, but the server refused it (token ${identity(claims)})` +
      answer,
    {
      hint:
        (operatorOnly
          ? `an operator role counts only on its own telescope (${
            OPERATOR_ROLES.join(" on SKA-Mid, ")
          } on SKA-Low); otherwise `
          : "") + audienceHint(a.origin),
    },
  );
}

/**
 * The error for a 401 or 403 answer: which case it is (no token sent,
 * expired, rejected, not allowed) in a one-line message, and the way out as
 * the hint. Claims serve only the explanation.
 */
export function authErrorForResponse(a: AuthAnswer): AuthError {
  if (!a.tokenSent) {
    return noTokenError({
      status: a.status,
      method: a.method,
      path: a.path,
      serverMessage: a.serverMessage,
      loginConfigured: a.loginConfigured,
      redact: a.redact,
    });
  }
  const claims = a.claims;
  if (claims?.exp !== undefined && claims.exp * 1000 <= a.now) {
    return new AuthError(
      "expired",
      `not authenticated: the token expired at ${when(claims.exp, a.now)}${answerText(a)}`,
      { hint: renewHint(a.origin) },
    );
  }
  return a.status === 403 ? forbidden(a, claims) : rejected(a, claims);
}

/**
 * Whether a request URL may carry the token: only to the origin (scheme,
 * host, port) of the configured API root, never to another.
 */
export function sameOrigin(url: string | URL, apiRoot: string | URL): boolean {
  try {
    const origin = new URL(url).origin;
    // Opaque origins (file:, data:) print as "null" and equal nothing.
    return origin !== "null" && origin === new URL(apiRoot).origin;
  } catch {
    return false;
  }
}
