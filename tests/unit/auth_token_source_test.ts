import assert from "node:assert/strict";
import { type CacheEntry, cacheKey, TokenCache } from "../../src/auth/cache.ts";
import { denoAuthFs } from "../../src/auth/fs.ts";
import { logIn, logOut } from "../../src/auth/login.ts";
import { OidcClient } from "../../src/auth/oidc.ts";
import {
  AUTH_ENV_VARS,
  type AuthEnv,
  type AuthEnvLabels,
  loginSettings,
  requireLoginSettings,
  TokenSource,
} from "../../src/auth/token_source.ts";
import type { AuthFs } from "../../src/auth/fs.ts";
import { AuthError, UsageError } from "../../src/domain/errors.ts";
import { makeJwt, MemoryFs, untouchableFs } from "../support/auth_fakes.ts";
import { HttpDouble, httpTest, json, type Stub } from "../support/http_double.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const ISSUER = "https://login.example.org/tenant/v2.0";
const TOKEN_URL = "https://login.example.org/tenant/oauth2/v2.0/token";
const DEVICE_URL = "https://login.example.org/tenant/oauth2/v2.0/devicecode";
const SCOPE = "api://oet/.default offline_access";
const HOME = "/home/ada";
const CACHE = "/home/ada/.config/oet/tokens.json";
const LOGIN_ENV: AuthEnv = {
  OET_AUTH_ISSUER: ISSUER,
  OET_AUTH_CLIENT_ID: "client-1",
  OET_AUTH_SCOPE: SCOPE,
  HOME,
};
const REFRESH = "refresh-token-secret-0123456789";

const clockStart = Date.UTC(2026, 10, 29, 21, 0, 0);
const at = (minutes: number) => clockStart / 1000 + minutes * 60;

function jwt(expMinutes: number, extra: Record<string, unknown> = {}): string {
  return makeJwt({
    exp: at(expMinutes),
    aud: "api://oet",
    iss: ISSUER,
    name: "Ada Lovelace",
    preferred_username: "ada@example.org",
    roles: ["SW_ENGINEER"],
    scp: "activity:read procedure:execute",
    ...extra,
  });
}

const discovery: Stub = {
  url: `${ISSUER}/.well-known/openid-configuration`,
  respond: { device_authorization_endpoint: DEVICE_URL, token_endpoint: TOKEN_URL },
};

function refreshStep(respond: Stub["respond"]): Stub {
  return { method: "POST", url: TOKEN_URL, respond };
}

interface Setup {
  env: AuthEnv;
  labels?: AuthEnvLabels;
  fs?: AuthFs;
  steps?: Stub[];
}

function setup(o: Setup) {
  const clock = new VirtualClock(clockStart);
  const fetch = new HttpDouble(o.steps ?? []);
  const notes: string[] = [];
  let oidcMade = 0;
  const source = new TokenSource({
    env: o.env,
    labels: o.labels,
    fs: o.fs ?? new MemoryFs(),
    clock,
    oidc: () => {
      oidcMade++;
      return new OidcClient({ fetch: fetch.fetch, clock, requestTimeoutMs: 0 });
    },
    note: (l) => notes.push(l),
  });
  return { source, clock, fetch, notes, oidcMade: () => oidcMade };
}

async function seed(fs: AuthFs, entry: Partial<CacheEntry>): Promise<void> {
  await new TokenCache(CACHE, fs).put({
    ...cacheKey(ISSUER, "client-1", SCOPE),
    accessToken: jwt(30),
    refreshToken: REFRESH,
    obtainedAt: at(-30),
    ...entry,
  });
}

httpTest("the env names src/auth reads", () => {
  assert.deepEqual([...AUTH_ENV_VARS], [
    "OET_TOKEN",
    "OET_TOKEN_FILE",
    "OET_AUTH_ISSUER",
    "OET_AUTH_CLIENT_ID",
    "OET_AUTH_SCOPE",
    "XDG_CONFIG_HOME",
    "HOME",
  ]);
});

httpTest("nothing configured: undefined, with no file, cache or OIDC touched", async () => {
  for (const env of [{}, { HOME, XDG_CONFIG_HOME: "/x" }, { OET_TOKEN: "  " }]) {
    const { source, oidcMade, fetch } = setup({ env, fs: untouchableFs });
    assert.equal(source.configured, false);
    assert.equal(await source.current(), undefined);
    assert.equal(oidcMade(), 0);
    assert.equal(fetch.requests.length, 0);
  }
});

httpTest("OET_TOKEN wins over the file and the login, and is used as it is", async () => {
  const token = jwt(30);
  const { source } = setup({
    env: { ...LOGIN_ENV, OET_TOKEN: ` Bearer ${token}\n`, OET_TOKEN_FILE: "/nope" },
    labels: { OET_TOKEN: "OET_TOKEN in .env" },
    fs: untouchableFs,
  });
  const t = await source.current();
  assert.equal(t?.token, token);
  assert.deepEqual(t?.origin, { kind: "env", label: "OET_TOKEN in .env" });
  assert.equal(t?.claims?.name, "Ada Lovelace");
  assert.equal(t?.expiresAt, at(30));
  assert.equal(source.overriddenBy, "OET_TOKEN in .env");
  // An opaque token is fine: no claims.
  const opaque = setup({ env: { OET_TOKEN: "opaque-token-value" }, fs: untouchableFs });
  assert.deepEqual(await opaque.source.current(), {
    token: "opaque-token-value",
    origin: { kind: "env", label: "OET_TOKEN in the environment" },
    claims: undefined,
    expiresAt: undefined,
  });
});

httpTest("an expired OET_TOKEN is refused before sending, with its expiry", async () => {
  const token = jwt(-42);
  const { source } = setup({ env: { OET_TOKEN: token } });
  await assert.rejects(() => source.current(), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "expired");
    assert.equal(
      e.message,
      "not authenticated: the token from OET_TOKEN in the environment expired at " +
        "2026-11-29 20:18:00 UTC (42 min ago); nothing was sent",
    );
    assert.ok(!e.message.includes(token) && !e.hint!.includes(token));
    return true;
  });
});

httpTest("a token that cannot go in a header is refused without showing it", async () => {
  const { source } = setup({ env: { OET_TOKEN: "secret-part-one\nsecret-part-two" } });
  await assert.rejects(() => source.current(), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "no-token");
    assert.match(e.message, /^the token from OET_TOKEN in the environment cannot be sent/);
    assert.ok(!e.message.includes("secret-part"));
    return true;
  });
});

httpTest("OET_TOKEN_FILE is read again for every request (a sidecar rotates it)", async () => {
  const fs = new MemoryFs();
  fs.files.set("/run/secrets/oet", { data: `${jwt(10)}\n`, mode: 0o644 });
  const { source } = setup({ env: { ...LOGIN_ENV, OET_TOKEN_FILE: "/run/secrets/oet" }, fs });
  const first = await source.current();
  assert.equal(first?.token, jwt(10));
  assert.deepEqual(first?.origin, {
    kind: "file",
    label: "/run/secrets/oet (OET_TOKEN_FILE in the environment)",
  });
  fs.files.set("/run/secrets/oet", { data: jwt(60), mode: 0o644 });
  assert.equal((await source.current())?.token, jwt(60));
  assert.equal(fs.calls.filter((c) => c.op === "readTextFile").length, 2);
  // The login cache is never looked at while the file is set.
  assert.ok(fs.calls.every((c) => c.path === "/run/secrets/oet"));
});

httpTest("OET_TOKEN_FILE: real file rotated between requests", async () => {
  const dir = await Deno.makeTempDir({ prefix: "oet-token-file-" });
  try {
    const path = `${dir}/token`;
    await Deno.writeTextFile(path, "first-token-value\n");
    const { source } = setup({ env: { OET_TOKEN_FILE: path }, fs: denoAuthFs });
    assert.equal((await source.current())?.token, "first-token-value");
    await Deno.writeTextFile(`${path}.new`, "second-token-value");
    await Deno.rename(`${path}.new`, path);
    assert.equal((await source.current())?.token, "second-token-value");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

httpTest("OET_TOKEN_FILE missing, empty or expired: clear errors naming the path", async () => {
  const fs = new MemoryFs();
  const labels = { OET_TOKEN_FILE: "OET_TOKEN_FILE in .env" };
  const { source } = setup({ env: { OET_TOKEN_FILE: "/run/t" }, labels, fs });
  await assert.rejects(() => source.current(), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "no-token");
    assert.equal(e.message, "the token file /run/t (OET_TOKEN_FILE in .env) does not exist");
    assert.equal(e.hint, "check the path, or whatever should write the token there");
    return true;
  });
  fs.files.set("/run/t", { data: " \n", mode: 0o600 });
  await assert.rejects(() => source.current(), /^AuthError: the token file \/run\/t .* is empty$/);
  fs.files.set("/run/t", { data: jwt(-1), mode: 0o600 });
  await assert.rejects(() => source.current(), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "expired");
    assert.match(e.hint!, /\/run\/t \(OET_TOKEN_FILE in \.env\), which was not renewed/);
    return true;
  });
  fs.fail.readTextFile = new Deno.errors.PermissionDenied("denied");
  await assert.rejects(
    () => source.current(),
    /^AuthError: cannot read the token file \/run\/t \(OET_TOKEN_FILE in \.env\): permission denied$/,
  );
});

httpTest("login settings: all three or none; some is a usage error naming the missing", () => {
  assert.equal(loginSettings({}), undefined);
  assert.deepEqual(loginSettings(LOGIN_ENV), {
    issuer: ISSUER,
    clientId: "client-1",
    scope: SCOPE,
  });
  assert.throws(
    () =>
      loginSettings({ OET_AUTH_ISSUER: ISSUER }, { OET_AUTH_ISSUER: "OET_AUTH_ISSUER in .env" }),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal(
        e.message,
        "OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE are not set (OET_AUTH_ISSUER in .env is set)",
      );
      assert.match(e.hint!, /needs all three/);
      return true;
    },
  );
  assert.throws(
    () => requireLoginSettings({}),
    /^UsageError: OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE are not set$/,
  );
  assert.throws(
    () => requireLoginSettings({ ...LOGIN_ENV, OET_AUTH_SCOPE: "" }),
    /^UsageError: OET_AUTH_SCOPE is not set/,
  );
});

httpTest(
  "login configured, nobody logged in: undefined (a server without AAA still works)",
  async () => {
    const { source, oidcMade } = setup({ env: LOGIN_ENV });
    assert.equal(source.configured, true);
    assert.equal(await source.current(), undefined);
    assert.equal(oidcMade(), 0);
    await assert.rejects(() => source.require(), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "no-token");
      assert.equal(e.hint, "log in with: oet auth login, or set OET_TOKEN to an access token");
      return true;
    });
  },
);

httpTest(
  "a cached token far from expiry is used; the file is read once per process",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, {});
    const { source, oidcMade } = setup({ env: LOGIN_ENV, fs });
    fs.calls.length = 0;
    const t = await source.current();
    assert.equal(t?.token, jwt(30));
    assert.deepEqual(t?.origin, { kind: "login", label: `the login cache (${CACHE})` });
    await source.current();
    await source.current();
    assert.equal(fs.calls.filter((c) => c.op === "readTextFile").length, 1);
    assert.equal(oidcMade(), 0);
  },
);

httpTest(
  "within 60 s of expiry the token is renewed silently and the cache rewritten",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, { accessToken: jwt(0.9) }); // 54 s left
    const { source, fetch, notes } = setup({
      env: LOGIN_ENV,
      fs,
      steps: [
        discovery,
        refreshStep({ access_token: jwt(60), refresh_token: "rotated-refresh-token-x" }),
      ],
    });
    const t = await source.current();
    assert.equal(t?.token, jwt(60));
    assert.equal(fetch.requests[1].form.refresh_token, REFRESH);
    assert.equal(fetch.requests[1].form.grant_type, "refresh_token");
    const saved = await new TokenCache(CACHE, fs).get(cacheKey(ISSUER, "client-1", SCOPE));
    assert.equal(saved?.accessToken, jwt(60));
    assert.equal(saved?.refreshToken, "rotated-refresh-token-x");
    assert.equal(saved?.expiresAt, at(60));
    assert.equal(fs.files.get(CACHE)?.mode, 0o600);
    assert.deepEqual(notes, [`renewed the token in ${CACHE}`]);
    // 61 s left is not renewed.
    const fs2 = new MemoryFs();
    await seed(fs2, { accessToken: makeJwt({ exp: at(0) + 61 }) });
    const quiet = setup({ env: LOGIN_ENV, fs: fs2 });
    await quiet.source.current();
    assert.equal(quiet.oidcMade(), 0);
  },
);

httpTest(
  "an expired cached token is renewed first when a refresh token is cached",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, { accessToken: jwt(-5) });
    const { source } = setup({
      env: LOGIN_ENV,
      fs,
      steps: [discovery, refreshStep({ access_token: jwt(60) })],
    });
    assert.equal((await source.current())?.token, jwt(60));
    // Not rotated: the old refresh token is kept.
    const saved = await new TokenCache(CACHE, fs).get(cacheKey(ISSUER, "client-1", SCOPE));
    assert.equal(saved?.refreshToken, REFRESH);
  },
);

httpTest("an expired cached token without a refresh token is refused", async () => {
  const fs = new MemoryFs();
  await seed(fs, { accessToken: jwt(-42), refreshToken: undefined });
  const { source, oidcMade } = setup({ env: LOGIN_ENV, fs });
  await assert.rejects(() => source.current(), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "expired");
    assert.equal(
      e.message,
      `not authenticated: the token from the login cache (${CACHE}) expired at ` +
        "2026-11-29 20:18:00 UTC (42 min ago); nothing was sent",
    );
    assert.equal(
      e.hint,
      "log in again: oet auth login (the issuer sent no refresh token although OET_AUTH_SCOPE " +
        "asks for offline_access; its app registration may not allow it)",
    );
    return true;
  });
  assert.equal(oidcMade(), 0);
});

httpTest(
  "renewal refused by the issuer: expired → error with the reason; still valid → used",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, { accessToken: jwt(-1) });
    const refused = json(
      { error: "invalid_grant", error_description: `AADSTS700082 ${REFRESH}` },
      400,
    );
    const { source } = setup({ env: LOGIN_ENV, fs, steps: [discovery, refreshStep(refused)] });
    await assert.rejects(() => source.current(), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "expired");
      assert.match(
        e.message,
        /expired at 2026-11-29 20:59:00 UTC \(1 min ago\) and renewing it failed: the login has expired or was revoked \(HTTP 400: invalid_grant: AADSTS700082 \[secret\]\); nothing was sent$/,
      );
      assert.ok(!e.message.includes(REFRESH));
      return true;
    });

    const fs2 = new MemoryFs();
    await seed(fs2, { accessToken: jwt(0.5) });
    const down = refreshStep(() => {
      throw new TypeError("connection refused");
    });
    const valid = setup({ env: LOGIN_ENV, fs: fs2, steps: [discovery, down] });
    assert.equal((await valid.source.current())?.token, jwt(0.5));
    assert.match(
      valid.notes[0],
      /^could not renew the token from .*: cannot reach login.example.org/,
    );
    // The next requests within 15 s go on with it, without asking the issuer again.
    valid.clock.t += 10_000;
    assert.equal((await valid.source.current())?.token, jwt(0.5));
    assert.equal(valid.fetch.requests.length, 2);
    // Then it tries again.
    valid.clock.t += 6_000;
    valid.fetch.stub(refreshStep({ access_token: jwt(60) }));
    assert.equal((await valid.source.current())?.token, jwt(60));
    assert.equal(valid.fetch.requests.length, 3);
  },
);

httpTest("concurrent requests share one renewal", async () => {
  const fs = new MemoryFs();
  await seed(fs, { accessToken: jwt(0) });
  const { source, fetch } = setup({
    env: LOGIN_ENV,
    fs,
    steps: [discovery, refreshStep({ access_token: jwt(60) })],
  });
  const all = await Promise.all([source.current(), source.current(), source.current()]);
  assert.deepEqual(all.map((t) => t?.token), [jwt(60), jwt(60), jwt(60)]);
  assert.equal(fetch.requests.length, 2);
});

httpTest(
  "near expiry the cache is read again first: another oet may have renewed it",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, { accessToken: jwt(5) });
    const { source, clock, oidcMade } = setup({ env: LOGIN_ENV, fs });
    assert.equal((await source.current())?.token, jwt(5));
    await seed(fs, { accessToken: jwt(65) }); // the other process
    clock.t += 4.5 * 60_000;
    assert.equal((await source.current())?.token, jwt(65));
    assert.equal(oidcMade(), 0);
  },
);

httpTest("a cache others can read stops the request, naming the fix", async () => {
  const fs = new MemoryFs();
  await seed(fs, {});
  fs.files.get(CACHE)!.mode = 0o640;
  const { source } = setup({ env: LOGIN_ENV, fs });
  await assert.rejects(() => source.current(), /chmod 600|open to other users \(mode 0640\)/);
});

httpTest(
  "errorForResponse: the sent token's claims and origin, redacted, login hint",
  async () => {
    const token = jwt(30, { roles: [], scp: "activity:read" });
    const { source } = setup({ env: { ...LOGIN_ENV, OET_TOKEN: token } });
    const sent = await source.current();
    const e = await source.errorForResponse({
      status: 403,
      method: "POST",
      path: "procedures/",
      serverMessage: `Forbidden for ${token}`,
      sent,
    });
    assert.equal(e.failure, "forbidden");
    assert.ok(!e.message.includes(token));
    assert.match(e.message, /needs role .* and scope procedure:execute; the token has no roles/);
    const none = await source.errorForResponse({ status: 401, method: "GET", path: "stream" });
    assert.equal(none.failure, "no-token");
    assert.equal(none.hint, "log in with: oet auth login, or set OET_TOKEN to an access token");
  },
);

httpTest(
  "status: who, roles, scopes, audience, issuer, expiry, source; never the token",
  async () => {
    const fs = new MemoryFs();
    await seed(fs, { accessToken: jwt(42) });
    const { source } = setup({ env: LOGIN_ENV, fs });
    const s = await source.status();
    assert.deepEqual(s, {
      authenticated: true,
      state: "valid",
      source: `the login cache (${CACHE})`,
      sourceKind: "login",
      name: "Ada Lovelace",
      username: "ada@example.org",
      roles: ["SW_ENGINEER"],
      scopes: ["activity:read", "procedure:execute"],
      audience: ["api://oet"],
      issuer: ISSUER,
      expiresAt: "2026-11-29T21:42:00.000Z",
      expires: "2026-11-29 21:42:00 UTC",
      expiresIn: "in 42 min",
      renewable: true,
      login: { issuer: ISSUER, clientId: "client-1", scope: SCOPE, cache: CACHE },
    });
    assert.ok(!JSON.stringify(s).includes(jwt(42)) && !JSON.stringify(s).includes(REFRESH));
  },
);

httpTest("status: expired, renewable, not logged in, nothing, unusable", async () => {
  const fs = new MemoryFs();
  await seed(fs, { accessToken: jwt(-3) });
  const renewable = await setup({ env: LOGIN_ENV, fs }).source.status();
  assert.equal(renewable.state, "renewable");
  assert.equal(renewable.authenticated, true);
  assert.equal(renewable.expiresIn, "3 min ago");

  await seed(fs, { accessToken: jwt(-3), refreshToken: undefined });
  const expired = await setup({ env: LOGIN_ENV, fs }).source.status();
  assert.equal(expired.state, "expired");
  assert.equal(expired.authenticated, false);
  assert.equal(expired.hint, "log in again: oet auth login");

  const envExpired = await setup({ env: { OET_TOKEN: jwt(-3) } }).source.status();
  assert.equal(envExpired.state, "expired");
  assert.equal(envExpired.name, "Ada Lovelace");
  assert.equal(envExpired.source, "OET_TOKEN in the environment");

  const notIn = await setup({ env: LOGIN_ENV }).source.status();
  assert.deepEqual(notIn, {
    authenticated: false,
    state: "not-logged-in",
    login: { issuer: ISSUER, clientId: "client-1", scope: SCOPE, cache: CACHE },
    hint: "log in with: oet auth login",
  });

  const nothing = await setup({ env: {}, fs: untouchableFs }).source.status();
  assert.equal(nothing.state, "none");
  assert.match(nothing.hint!, /^log in with: oet auth login \(set OET_AUTH_ISSUER/);

  const missingFile = await setup({ env: { OET_TOKEN_FILE: "/none" } }).source.status();
  assert.equal(missingFile.state, "unusable");
  assert.equal(
    missingFile.problem,
    "the token file /none (OET_TOKEN_FILE in the environment) does not exist",
  );

  fs.files.get(CACHE)!.mode = 0o644;
  const open = await setup({ env: LOGIN_ENV, fs }).source.status();
  assert.equal(open.state, "unusable");
  assert.match(open.hint!, /chmod 600/);

  await assert.rejects(
    () => setup({ env: { OET_AUTH_SCOPE: "x" } }).source.status(),
    UsageError,
  );
});

function loginSteps(tokenAnswer: Record<string, unknown>): Stub[] {
  return [
    discovery,
    {
      method: "POST",
      url: DEVICE_URL,
      respond: {
        device_code: "device-code-secret-xyz",
        user_code: "ABCD",
        verification_uri: "https://microsoft.com/devicelogin",
        expires_in: 900,
      },
    },
    refreshStep(tokenAnswer),
  ];
}

httpTest(
  "logIn: device grant, tokens cached (0600), a message and notes without tokens",
  async () => {
    const fs = new MemoryFs();
    const access = jwt(60);
    const { source, clock } = setup({
      env: LOGIN_ENV,
      fs,
      steps: loginSteps({ access_token: access, refresh_token: REFRESH, expires_in: 3600 }),
    });
    const prompts: string[] = [];
    const r = await logIn(source, {
      prompt: (p) => prompts.push(`${p.verificationUri} ${p.userCode}`),
    });
    assert.deepEqual(prompts, ["https://microsoft.com/devicelogin ABCD"]);
    assert.equal(
      r.message,
      `logged in as Ada Lovelace (ada@example.org); the login is kept in ${CACHE}; the token ` +
        "expires at 2026-11-29 22:00:00 UTC (in 59 min) and is renewed when needed",
    );
    assert.deepEqual(r.notes, []);
    assert.equal(clock.now() - clockStart, 5000);
    assert.equal(fs.files.get(CACHE)?.mode, 0o600);
    assert.equal((await source.current())?.token, access);
    assert.ok(!JSON.stringify(r).includes(access) && !JSON.stringify(r).includes(REFRESH));
  },
);

httpTest("logIn notes: no refresh token, no accepted role, OET_TOKEN overriding", async () => {
  const access = jwt(60, { roles: ["OTHER"], scp: "User.Read" });
  const { source } = setup({
    env: { ...LOGIN_ENV, OET_TOKEN: "some-other-token" },
    steps: loginSteps({ access_token: access }),
  });
  const r = await logIn(source, { prompt: () => {} });
  assert.deepEqual(r.notes, [
    "the login cannot be renewed when it expires: the issuer sent no refresh token although " +
    "OET_AUTH_SCOPE asks for offline_access; its app registration may not allow it",
    "the token has none of the roles SW_ENGINEER, MID_TELESCOPE_OPERATOR, " +
    "LOW_TELESCOPE_OPERATOR: the OET will refuse it until the OET's administrators give you one",
    "the token has none of the scopes activity:read, procedure:execute: check OET_AUTH_SCOPE",
    "OET_TOKEN in the environment is set and wins over this login: unset it to use the login",
  ]);
});

httpTest(
  "logIn refuses before any request: missing settings, a cache others can read",
  async () => {
    const partial = setup({ env: { OET_AUTH_ISSUER: ISSUER, HOME } });
    await assert.rejects(() => logIn(partial.source, { prompt: () => {} }), UsageError);
    assert.equal(partial.fetch.requests.length, 0);
    const fs = new MemoryFs();
    await seed(fs, {});
    fs.dirs.set("/home/ada/.config/oet", 0o755);
    const open = setup({ env: LOGIN_ENV, fs });
    await assert.rejects(() => logIn(open.source, { prompt: () => {} }), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.match(
        e.message,
        /directory \/home\/ada\/\.config\/oet is open to other users \(mode 0755\)/,
      );
      assert.match(e.hint!, /chmod 700 \/home\/ada\/\.config\/oet/);
      return true;
    });
    assert.equal(open.fetch.requests.length, 0);
  },
);

httpTest("logOut: this login, all logins, or nothing — and says which", async () => {
  const fs = new MemoryFs();
  await seed(fs, {});
  await new TokenCache(CACHE, fs).put({
    ...cacheKey(ISSUER, "client-2", "other"),
    accessToken: "x".repeat(20),
    obtainedAt: 0,
  });
  const { source } = setup({ env: LOGIN_ENV, fs });
  const one = await logOut(source);
  assert.equal(
    one.message,
    `removed the login for ${ISSUER} (client client-1, scope ${SCOPE}) from ${CACHE}`,
  );
  assert.deepEqual(one.notes, [`1 other login remains in ${CACHE}`]);
  const again = await logOut(source);
  assert.equal(
    again.message,
    `nothing to remove: no login for ${ISSUER} (client client-1, scope ${SCOPE}) in ${CACHE}`,
  );
  const all = await logOut(source, { all: true });
  assert.equal(
    all.message,
    `removed the login from ${CACHE}: ${ISSUER} (client client-2, scope other)`,
  );
  assert.equal(fs.files.has(CACHE), false);
  const none = await logOut(setup({ env: { HOME, OET_TOKEN: "t".repeat(20) } }).source);
  assert.equal(none.message, `nothing to remove: there is no ${CACHE}`);
  assert.deepEqual(none.notes, [
    "OET_TOKEN in the environment is still set: oet keeps sending that token",
  ]);
});
