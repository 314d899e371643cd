/**
 * Property: whatever happens (token sources, expiry, renewals the issuer
 * refuses or that fail, 401/403 answers that echo the token, logins that go
 * wrong), no text that src/auth or src/domain/aaa.ts produce — messages,
 * hints, causes, notes, debug traces, status, prompts, login results —
 * contains the access token, the refresh token or the device code.
 */

import assert from "node:assert/strict";
import { cacheKey, TokenCache } from "../../src/auth/cache.ts";
import { logIn, logOut } from "../../src/auth/login.ts";
import { OidcClient } from "../../src/auth/oidc.ts";
import { type AuthEnv, TokenSource } from "../../src/auth/token_source.ts";
import {
  authErrorForResponse,
  ENDPOINT_REQUIREMENTS,
  expiredTokenError,
  type TokenOrigin,
} from "../../src/domain/aaa.ts";
import { decodeJwt } from "../../src/domain/jwt.ts";
import { propertySeed, Rng } from "../support/prng.ts";
import { makeJwt, MemoryFs } from "../support/auth_fakes.ts";
import { HttpDouble, httpTest, json, type Stub } from "../support/http_double.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const ISSUER = "https://login.example.org/t/v2.0";
const TOKEN_URL = "https://login.example.org/t/token";
const DEVICE_URL = "https://login.example.org/t/device";
const SCOPE = "api://oet/.default offline_access";
const HOME = "/home/p";
const CACHE = "/home/p/.config/oet/tokens.json";
const LOGIN_ENV: AuthEnv = {
  OET_AUTH_ISSUER: ISSUER,
  OET_AUTH_CLIENT_ID: "client",
  OET_AUTH_SCOPE: SCOPE,
  HOME,
};
const START = Date.UTC(2026, 10, 29, 21, 0, 0);
const OPAQUE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";

function opaque(rng: Rng): string {
  let s = "";
  for (let i = rng.int(16, 60); i > 0; i--) s += rng.pick([...OPAQUE_CHARS]);
  return s;
}

function accessToken(rng: Rng): string {
  if (rng.chance(0.25)) return opaque(rng);
  return makeJwt({
    exp: START / 1000 + rng.pick([-3600, -30, 0, 20, 59, 61, 3600]),
    aud: rng.pick(["api://oet", ["api://x", "api://oet"], undefined]),
    iss: rng.pick([ISSUER, undefined]),
    name: rng.pick(["Ada", "Zoë \x1b[31m", undefined]),
    roles: rng.pick([[], ["SW_ENGINEER"], ["LOW_TELESCOPE_OPERATOR"], ["X"]]),
    scp: rng.pick(["", "activity:read", "activity:read procedure:execute"]),
    // A nonce makes every token unique, so containment cannot be accidental.
    jti: opaque(rng),
  });
}

/** Server or issuer text that may echo secrets back. */
function echo(rng: Rng, secrets: string[]): string {
  const parts = [rng.pick(["Forbidden", "Not authenticated", "bad token:", "AADSTS50000:"])];
  for (const s of secrets) if (rng.chance(0.6)) parts.push(rng.pick([s, `Bearer ${s}`, `[${s}]`]));
  if (rng.chance(0.3)) parts.push("\r\nTrace ID: 1\x07");
  return parts.join(" ");
}

/** Every text reachable from a thrown value or a result. */
function texts(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || value === undefined || value === null) return out;
  if (value instanceof Error) {
    out.push(String(value), value.message, String((value as { hint?: string }).hint ?? ""));
    texts(value.cause, out, depth + 1);
  } else if (typeof value === "string") out.push(value);
  else out.push(JSON.stringify(value));
  return out;
}

function assertClean(all: string[], secrets: string[], what: string): void {
  for (const t of all) {
    for (const s of secrets) {
      assert.ok(!t.includes(s), `${what}: a secret (${s}) appears in ${JSON.stringify(t)}`);
    }
  }
}

async function settle<T>(p: Promise<T>): Promise<unknown> {
  try {
    return await p;
  } catch (err) {
    return err;
  }
}

// Each generated case decides whether a renewal or a login runs at all, so
// its scripted answers say they may go unused; a request out of script
// still fails the test.
httpTest("no message, hint, note, trace or status ever holds a token", async () => {
  const seed = propertySeed(20261129);
  const rng = new Rng(seed);
  // What the cases reached, so the property cannot hold vacuously.
  const seen = new Map<string, number>();
  const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  for (let i = 0; i < 300; i++) {
    const access = accessToken(rng);
    const refresh = opaque(rng);
    const deviceCode = opaque(rng);
    const secrets = [access, refresh, deviceCode];
    const out: string[] = [];
    const clock = new VirtualClock(START);
    const fs = new MemoryFs();
    const trace: string[] = [];
    const notes: string[] = [];
    const where = `case ${i} of seed ${seed}`;

    // 1. The 401/403 explanations, with server messages that echo the token.
    const origin: TokenOrigin = rng.pick([
      { kind: "env", label: "OET_TOKEN in .env" },
      { kind: "file", label: "/run/t (OET_TOKEN_FILE in the environment)" },
      { kind: "login", label: `the login cache (${CACHE})` },
    ]);
    const req = rng.pick(ENDPOINT_REQUIREMENTS);
    texts(
      authErrorForResponse({
        status: rng.pick([401, 403]),
        method: req.method,
        path: req.path.replace("{id}", "7"),
        serverMessage: echo(rng, [access]),
        tokenSent: rng.chance(0.8),
        claims: decodeJwt(access),
        origin,
        now: START,
        redact: [access],
      }),
      out,
    );
    texts(
      expiredTokenError({
        exp: START / 1000 - 60,
        origin,
        now: START,
        // The reason is text from OidcClient (covered below), already cleaned.
        reason: rng.chance(0.5) ? "the login has expired or was revoked" : undefined,
      }),
      out,
    );

    // 2. A token source of a random kind; the issuer answers a renewal in a random way.
    const kind = rng.pick(["env", "file", "login"] as const);
    const env: AuthEnv = { ...LOGIN_ENV };
    if (kind === "env") env.OET_TOKEN = rng.pick([access, ` Bearer ${access}\n`, `${access} x`]);
    if (kind === "file") {
      env.OET_TOKEN_FILE = "/run/t";
      if (rng.chance(0.9)) fs.files.set("/run/t", { data: `${access}\n`, mode: 0o644 });
    }
    if (kind === "login") {
      await new TokenCache(CACHE, fs).put({
        ...cacheKey(ISSUER, "client", SCOPE),
        accessToken: access,
        refreshToken: rng.chance(0.8) ? refresh : undefined,
        expiresAt: START / 1000 + rng.pick([-100, 30, 3600]),
        obtainedAt: START / 1000 - 3600,
      });
      if (rng.chance(0.1)) fs.files.get(CACHE)!.mode = 0o644;
    }
    const newAccess = accessToken(rng);
    const newRefresh = opaque(rng);
    secrets.push(newAccess, newRefresh);
    const renewal: Stub["respond"] = rng.pick<Stub["respond"]>([
      { access_token: newAccess, refresh_token: newRefresh, token_type: "Bearer" },
      json({ error: "invalid_grant", error_description: echo(rng, [refresh, access]) }, 400),
      json({ error: "server_error", error_description: echo(rng, [refresh]) }, 500),
      () => {
        throw new TypeError("connection reset");
      },
      new Response(null, { status: 307, headers: { location: "https://elsewhere/" } }),
    ]);
    const mayNotRenew = "a generated case may have no cached login, or a valid one";
    const fetch = new HttpDouble([
      {
        url: `${ISSUER}/.well-known/openid-configuration`,
        respond: { device_authorization_endpoint: DEVICE_URL, token_endpoint: TOKEN_URL },
        unused: mayNotRenew,
      },
      { method: "POST", url: TOKEN_URL, respond: renewal, unused: mayNotRenew },
    ]);
    const oidc = new OidcClient({
      fetch: fetch.fetch,
      clock,
      trace: (l) => trace.push(l),
      requestTimeoutMs: 0,
    });
    const source = new TokenSource({
      env,
      labels: { OET_TOKEN: "OET_TOKEN in .env" },
      fs,
      clock,
      oidc: () => oidc,
      note: (l) => notes.push(l),
    });
    const got = await settle(source.current());
    saw(got instanceof Error ? `current: ${got.name}` : got ? "current: token" : "current: none");
    if (fetch.requests.length > 1) saw("renewal tried");
    if (got && typeof got === "object" && "token" in got) {
      // The one place a token may be: the value handed to the Authorization header.
      const { token: _token, ...rest } = got as { token: string };
      texts(rest, out);
      texts(
        source.errorForResponse({
          status: rng.pick([401, 403]),
          method: "GET",
          path: "stream",
          serverMessage: echo(rng, [(got as { token: string }).token]),
          sent: got as never,
        }),
        out,
      );
    } else texts(got, out);
    texts(await settle(source.status()), out);

    // 3. A login whose issuer answers in a random way, echoing secrets.
    const loginFetch = new HttpDouble([
      {
        url: `${ISSUER}/.well-known/openid-configuration`,
        respond: { device_authorization_endpoint: DEVICE_URL, token_endpoint: TOKEN_URL },
      },
      {
        method: "POST",
        url: DEVICE_URL,
        respond: {
          device_code: deviceCode,
          user_code: "CODE",
          verification_uri: "https://x/device",
          message: rng.chance(0.3) ? `use code CODE ${deviceCode}` : "use code CODE",
          expires_in: 30,
        },
      },
      {
        method: "POST",
        url: TOKEN_URL,
        respond: rng.pick<Stub["respond"]>([
          { access_token: newAccess, refresh_token: newRefresh },
          json({ error: "access_denied", error_description: echo(rng, [deviceCode]) }, 400),
          // An issuer can only echo what it was sent: the device code.
          json({ error: "bad", error_description: echo(rng, [deviceCode]) }, 400),
          json({ access_token: `${newAccess} ${newAccess}` }),
        ]),
      },
    ]);
    const loginOidc = new OidcClient({
      fetch: loginFetch.fetch,
      clock,
      trace: (l) => trace.push(l),
      requestTimeoutMs: 0,
    });
    const loginSource = new TokenSource({
      env: LOGIN_ENV,
      fs: new MemoryFs(),
      clock,
      oidc: () => loginOidc,
    });
    const login = await settle(logIn(loginSource, { prompt: (p) => texts(p, out) }));
    saw(login instanceof Error ? "login failed" : "login ok");
    texts(login, out);
    texts(await settle(logOut(loginSource, { all: rng.chance(0.5) })), out);

    out.push(...trace, ...notes);
    assertClean(out, secrets, where);
  }
  for (
    const what of [
      "current: token",
      "current: AuthError",
      "renewal tried",
      "login ok",
      "login failed",
    ]
  ) assert.ok((seen.get(what) ?? 0) >= 5, `${what}: ${seen.get(what) ?? 0} cases`);
});
