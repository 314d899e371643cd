import assert from "node:assert/strict";
import {
  ACCEPTED_ROLES,
  authErrorForResponse,
  ENDPOINT_REQUIREMENTS,
  expiredTokenError,
  formatRelative,
  formatUtc,
  noRefreshText,
  noTokenError,
  requirementFor,
  sameOrigin,
  type TokenOrigin,
} from "../../src/domain/aaa.ts";
import { AuthError } from "../../src/domain/errors.ts";
import { decodeJwt, type JwtClaims } from "../../src/domain/jwt.ts";
import { makeJwt } from "../support/auth_fakes.ts";

const NOW = Date.UTC(2026, 10, 29, 21, 46, 5);
const EXPIRED = Date.UTC(2026, 10, 29, 21, 4, 5) / 1000;
const LATER = NOW / 1000 + 3600;
const LOGIN: TokenOrigin = {
  kind: "login",
  label: "the login cache (/home/ada/.config/oet/tokens.json)",
};
const ENV: TokenOrigin = { kind: "env", label: "OET_TOKEN in .env" };
const FILE: TokenOrigin = {
  kind: "file",
  label: "/run/secrets/t (OET_TOKEN_FILE in the environment)",
};

function claims(extra: Record<string, unknown> = {}): JwtClaims {
  return decodeJwt(makeJwt({
    aud: "api://oet",
    iss: "https://login.microsoftonline.com/tenant/v2.0",
    exp: LATER,
    roles: ["SW_ENGINEER"],
    scp: "activity:read procedure:execute",
    ...extra,
  }))!;
}

Deno.test("the requirement table is docs/servers.md's, with or without slashes", () => {
  const cases: [string, string, string][] = [
    ["GET", "procedures", "activity:read"],
    ["GET", "/procedures/", "activity:read"],
    ["get", "procedures/12", "activity:read"],
    ["POST", "procedures/", "procedure:execute"],
    ["PUT", "procedures/3", "procedure:execute"],
    ["GET", "activities", "activity:read"],
    ["GET", "activities/4/", "activity:read"],
    ["POST", "activities", "activity:read"],
    ["GET", "stream", "activity:read"],
    ["GET", "stream?x=1", "activity:read"],
  ];
  for (const [method, path, scope] of cases) {
    const r = requirementFor(method, path);
    assert.equal(r?.scope, scope, `${method} ${path}`);
    assert.deepEqual(r?.roles, [
      "SW_ENGINEER",
      "MID_TELESCOPE_OPERATOR",
      "LOW_TELESCOPE_OPERATOR",
    ]);
  }
  assert.equal(requirementFor("POST", "activities")?.laterScope, "activity:execute");
  assert.equal(requirementFor("DELETE", "procedures/1"), undefined);
  assert.equal(requirementFor("GET", "procedures/1/x"), undefined);
  assert.equal(requirementFor("GET", "nothing"), undefined);
  assert.equal(ENDPOINT_REQUIREMENTS.length, 8);
  assert.deepEqual(ACCEPTED_ROLES.length, 3);
});

Deno.test("times: UTC and relative", () => {
  assert.equal(formatUtc(EXPIRED), "2026-11-29 21:04:05 UTC");
  assert.equal(formatRelative(EXPIRED, NOW), "42 min ago");
  assert.equal(formatRelative(NOW / 1000 + 42 * 60, NOW), "in 42 min");
  assert.equal(formatRelative(NOW / 1000 + 12, NOW), "in 12 s");
  assert.equal(formatRelative(NOW / 1000 + 3 * 3600 + 5 * 60, NOW), "in 3 h 5 min");
  assert.equal(formatRelative(NOW / 1000 - 2 * 86400 - 4 * 3600, NOW), "2 d 4 h ago");
  assert.equal(formatRelative(NOW / 1000 + 7200, NOW), "in 2 h");
});

Deno.test("no token sent: 401 or 403 alike, with the way to log in", () => {
  for (const status of [401, 403]) {
    const e = authErrorForResponse({
      status,
      method: "GET",
      path: "procedures/",
      serverMessage: "Not authenticated",
      tokenSent: false,
      now: NOW,
    });
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "no-token");
    assert.equal(
      e.message,
      `not authenticated: no token was sent, and the server asks for one (HTTP ${status}, ` +
        "GET /procedures: Not authenticated)",
    );
    assert.equal(
      e.hint,
      "log in with: oet auth login (set OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE " +
        "first), or set OET_TOKEN to an access token",
    );
  }
  const configured = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "stream",
    tokenSent: false,
    now: NOW,
    loginConfigured: true,
  });
  assert.equal(configured.hint, "log in with: oet auth login, or set OET_TOKEN to an access token");
  assert.equal(noTokenError().message, "not authenticated: no token is configured");
});

Deno.test("a token the server found expired: the expiry time, and how to renew by source", () => {
  const e = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "stream",
    serverMessage: "Signature has expired",
    tokenSent: true,
    claims: claims({ exp: EXPIRED }),
    origin: LOGIN,
    now: NOW,
  });
  assert.equal(e.failure, "expired");
  assert.equal(
    e.message,
    "not authenticated: the token expired at 2026-11-29 21:04:05 UTC (42 min ago) " +
      "(HTTP 401, GET /stream: Signature has expired)",
  );
  assert.equal(e.hint, "log in again: oet auth login");
  // A 403 with an expired token is the same case.
  const e403 = authErrorForResponse({
    status: 403,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    claims: claims({ exp: EXPIRED }),
    origin: ENV,
    now: NOW,
  });
  assert.equal(e403.failure, "expired");
  assert.match(e403.hint!, /OET_TOKEN in \.env: set it to a new token/);
});

Deno.test("rejected (401): audience and issuer shown, so a wrong scope or tenant is visible", () => {
  const e = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "procedures",
    serverMessage: "Invalid audience",
    tokenSent: true,
    claims: claims({ aud: ["api://other", "api://x"] }),
    origin: LOGIN,
    now: NOW,
  });
  assert.equal(e.failure, "rejected");
  assert.equal(
    e.message,
    "not authenticated: the server rejected the token for audience api://other, api://x, " +
      "issuer https://login.microsoftonline.com/tenant/v2.0 (HTTP 401, GET /procedures: " +
      "Invalid audience)",
  );
  assert.equal(
    e.hint,
    "check that OET_AUTH_SCOPE names this OET's API (the audience) and OET_AUTH_ISSUER its " +
      "tenant, then log in again: oet auth login",
  );
  const opaque = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    origin: FILE,
    now: NOW,
  });
  assert.equal(
    opaque.message,
    "not authenticated: the server rejected the token (not a JWT, so its audience and issuer " +
      "are unknown) (HTTP 401, GET /procedures)",
  );
  assert.match(opaque.hint!, /^the token came from \/run\/secrets\/t/);
  const early = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    claims: claims({ nbf: NOW / 1000 + 120 }),
    origin: LOGIN,
    now: NOW,
  });
  assert.match(early.message, /not valid before 2026-11-29 21:48:05 UTC \(in 2 min\)/);
  assert.match(early.hint!, /clock/);
});

Deno.test("not allowed (403): the role and scope needed, and those the token has", () => {
  const e = authErrorForResponse({
    status: 403,
    method: "PUT",
    path: "procedures/7",
    serverMessage: "Forbidden",
    tokenSent: true,
    claims: claims({ roles: ["LOW_TELESCOPE_OPERATOR"], scp: "activity:read" }),
    origin: LOGIN,
    now: NOW,
  });
  assert.equal(e.failure, "forbidden");
  assert.equal(
    e.message,
    "not allowed: PUT /procedures/7 (start or stop a procedure) needs role SW_ENGINEER, " +
      "MID_TELESCOPE_OPERATOR or LOW_TELESCOPE_OPERATOR and scope procedure:execute; the token " +
      "has role LOW_TELESCOPE_OPERATOR and scope activity:read (HTTP 403: Forbidden)",
  );
  assert.equal(
    e.hint,
    "add procedure:execute to OET_AUTH_SCOPE; then log in again: oet auth login",
  );

  const none = authErrorForResponse({
    status: 403,
    method: "GET",
    path: "stream",
    tokenSent: true,
    claims: claims({ roles: [], scp: "" }),
    origin: LOGIN,
    now: NOW,
  });
  assert.match(none.message, /the token has no roles and no scopes/);
  assert.match(none.hint!, /^ask the OET's administrators for the role SW_ENGINEER/);
  assert.match(none.hint!, /add activity:read to OET_AUTH_SCOPE/);

  // A token from OET_TOKEN: OET_AUTH_SCOPE would not help.
  const env = authErrorForResponse({
    status: 403,
    method: "POST",
    path: "activities/",
    tokenSent: true,
    claims: claims({ scp: "activity:execute" }),
    origin: ENV,
    now: NOW,
  });
  assert.equal(
    env.hint,
    "the token came from OET_TOKEN in .env: get one with the scope activity:read (the token " +
      "has activity:execute, which a later OET may ask for instead)",
  );
});

Deno.test("403 with the role and scope: the other telescope's operator role, or audience", () => {
  const e = authErrorForResponse({
    status: 403,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    claims: claims({ roles: ["LOW_TELESCOPE_OPERATOR"], scp: "activity:read" }),
    origin: LOGIN,
    now: NOW,
  });
  assert.equal(e.failure, "forbidden");
  assert.match(e.message, /but the server refused it \(token audience api:\/\/oet, issuer /);
  assert.match(e.hint!, /^an operator role counts only on its own telescope/);
  const engineer = authErrorForResponse({
    status: 403,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    claims: claims(),
    origin: LOGIN,
    now: NOW,
  });
  assert.doesNotMatch(engineer.hint!, /operator/);
  const opaque = authErrorForResponse({
    status: 403,
    method: "GET",
    path: "procedures",
    tokenSent: true,
    origin: ENV,
    now: NOW,
  });
  assert.match(opaque.message, /the token is not a JWT, so its roles and scopes are unknown/);
  const unknown = authErrorForResponse({
    status: 403,
    method: "DELETE",
    path: "procedures/1",
    tokenSent: true,
    claims: claims(),
    origin: LOGIN,
    now: NOW,
  });
  assert.match(unknown.message, /^not allowed: the server refused DELETE \/procedures\/1; /);
});

Deno.test("expired before sending: message and hint by source", () => {
  const env = expiredTokenError({ exp: EXPIRED, origin: ENV, now: NOW });
  assert.equal(env.failure, "expired");
  assert.equal(
    env.message,
    "not authenticated: the token from OET_TOKEN in .env expired at 2026-11-29 21:04:05 UTC " +
      "(42 min ago); nothing was sent",
  );
  assert.equal(
    env.hint,
    "the token came from OET_TOKEN in .env: set it to a new token, or unset OET_TOKEN and log " +
      "in with: oet auth login",
  );
  const file = expiredTokenError({ exp: EXPIRED, origin: FILE, now: NOW });
  assert.match(file.hint!, /which was not renewed: check what writes that file/);
  const login = expiredTokenError({
    exp: EXPIRED,
    origin: LOGIN,
    now: NOW,
    reason: "the login has expired or was revoked (HTTP 400: invalid_grant)",
  });
  assert.equal(
    login.message,
    "not authenticated: the token from the login cache (/home/ada/.config/oet/tokens.json) " +
      "expired at 2026-11-29 21:04:05 UTC (42 min ago) and renewing it failed: the login has " +
      "expired or was revoked (HTTP 400: invalid_grant); nothing was sent",
  );
  const noRefresh = expiredTokenError({
    exp: EXPIRED,
    origin: LOGIN,
    now: NOW,
    noRefreshToken: true,
  });
  assert.match(noRefresh.hint!, /^log in again: oet auth login \(no refresh token was cached/);
});

Deno.test("the server's message is one short line, without tokens", () => {
  const token = makeJwt({ sub: "x" });
  const e = authErrorForResponse({
    status: 401,
    method: "GET",
    path: "procedures",
    serverMessage: `bad\ntoken ${token} Bearer opaque-secret-123 ${"x".repeat(400)}`,
    tokenSent: true,
    origin: ENV,
    now: NOW,
    redact: ["opaque-secret-123"],
  });
  assert.ok(!e.message.includes(token));
  assert.ok(!e.message.includes("opaque-secret-123"));
  assert.ok(!e.message.includes("\n"));
  assert.match(e.message, /bad token \[token\] Bearer \[token\] x+…\)$/);
});

Deno.test("the token goes only to the API's own origin", () => {
  const root = "https://oet.example.org/ska-oso-oet/oet/api/v7";
  assert.ok(sameOrigin("https://oet.example.org/ska-oso-oet/oet/api/v7/procedures", root));
  assert.ok(sameOrigin("https://oet.example.org:443/other", root));
  assert.ok(!sameOrigin("http://oet.example.org/ska-oso-oet/oet/api/v7/stream", root));
  assert.ok(!sameOrigin("https://oet.example.org:8443/x", root));
  assert.ok(!sameOrigin("https://evil.example.org/x", root));
  assert.ok(!sameOrigin("file:///etc/passwd", "file:///etc"));
  assert.ok(!sameOrigin("not a url", root));
});

Deno.test("no refresh token: ask for offline_access, or, when it was asked for, log in again", () => {
  assert.equal(
    noRefreshText("api://oet/.default"),
    "no refresh token was cached: add offline_access to OET_AUTH_SCOPE to stay logged in",
  );
  assert.match(
    noRefreshText("api://oet/.default offline_access"),
    /^the issuer sent no refresh token although OET_AUTH_SCOPE asks for offline_access; its app registration may not allow it$/,
  );
});
