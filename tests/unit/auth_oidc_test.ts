import assert from "node:assert/strict";
import { type DevicePrompt, isLoopbackHost, OidcClient } from "../../src/auth/oidc.ts";
import { AuthError } from "../../src/domain/errors.ts";
import { makeJwt } from "../support/auth_fakes.ts";
import { HttpDouble, httpTest, json, type SeenRequest, type Stub } from "../support/http_double.ts";
import { AUTH_T0, VirtualClock } from "../support/virtual_clock.ts";

const ISSUER = "https://login.example.org/tenant/v2.0";
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const DEVICE = "https://login.example.org/tenant/oauth2/v2.0/devicecode";
const TOKEN = "https://login.example.org/tenant/oauth2/v2.0/token";
const SETTINGS = {
  issuer: ISSUER,
  clientId: "client-1",
  scope: "api://oet/.default offline_access",
};
const DEVICE_CODE = "DEVICE-CODE-secret-0123456789";
const REFRESH = "refresh-token-secret-0123456789";

function discovery(extra: Record<string, unknown> = {}): Stub {
  return {
    url: DISCOVERY,
    respond: {
      issuer: ISSUER,
      device_authorization_endpoint: DEVICE,
      token_endpoint: TOKEN,
      ...extra,
    },
  };
}

function deviceStep(extra: Record<string, unknown> = {}): Stub {
  return {
    method: "POST",
    url: DEVICE,
    respond: {
      device_code: DEVICE_CODE,
      user_code: "ABCD-EFGH",
      verification_uri: "https://microsoft.com/devicelogin",
      expires_in: 900,
      interval: 5,
      message: "To sign in, use a web browser to open https://microsoft.com/devicelogin",
      ...extra,
    },
  };
}

function poll(respond: Stub["respond"]): Stub {
  return { method: "POST", url: TOKEN, respond };
}

function oauthError(error: string, description = "", status = 400): Response {
  return json({ error, error_description: description }, status);
}

function client(
  fetch: HttpDouble,
  clock = new VirtualClock(AUTH_T0),
  trace?: string[],
): OidcClient {
  return new OidcClient({
    fetch: fetch.fetch,
    clock,
    trace: trace && ((l) => trace.push(l)),
    requestTimeoutMs: 0,
  });
}

const access = makeJwt({ exp: Date.UTC(2026, 10, 29, 22, 0, 0) / 1000, name: "Ada" });
const tokens = {
  access_token: access,
  refresh_token: REFRESH,
  token_type: "Bearer",
  expires_in: 3599,
  scope: "api://oet/.default",
};

function assertForm(req: SeenRequest, form: Record<string, string>): void {
  assert.equal(req.method, "POST");
  assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(req.redirect, "manual");
  assert.equal(req.headers.authorization, undefined);
  assert.deepEqual(req.form, form);
}

httpTest("loopback hosts", () => {
  for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "a.localhost"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["example.org", "10.0.0.1", "localhost.example.org", "128.0.0.1"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
});

httpTest("discovery: trailing slash ignored, fetched once per issuer", async () => {
  const f = new HttpDouble([discovery()]);
  const c = client(f);
  const e = await c.discover(`${ISSUER}/`);
  assert.deepEqual(e, {
    issuer: ISSUER,
    deviceAuthorizationEndpoint: DEVICE,
    tokenEndpoint: TOKEN,
  });
  assert.deepEqual(await c.discover(ISSUER), e);
  assert.equal(f.requests.length, 1);
  assert.equal(f.requests[0].url, DISCOVERY);
  assert.equal(f.requests[0].headers.accept, "application/json");
});

httpTest("discovery: endpoints must be https (http only on loopback)", async () => {
  const bad = new HttpDouble([discovery({ token_endpoint: "http://login.example.org/token" })]);
  await assert.rejects(() => client(bad).discover(ISSUER), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.failure, "login");
    assert.equal(
      e.message,
      `the issuer's token_endpoint "http://login.example.org/token" is not an https URL`,
    );
    return true;
  });
  const local = "http://127.0.0.1:8080/realm";
  const ok = new HttpDouble([{
    url: `${local}/.well-known/openid-configuration`,
    respond: {
      device_authorization_endpoint: `${local}/device`,
      token_endpoint: "http://localhost:8080/token",
    },
  }]);
  assert.equal((await client(ok).discover(local)).tokenEndpoint, "http://localhost:8080/token");
  // A plain-http issuer elsewhere is refused before anything is sent.
  const none = new HttpDouble([]);
  await assert.rejects(
    () => client(none).discover("http://login.example.org/t"),
    /OET_AUTH_ISSUER "http:\/\/login.example.org\/t" is not an https:\/\/ issuer URL/,
  );
  await assert.rejects(() => client(none).discover("not a url"), AuthError);
  assert.equal(none.requests.length, 0);
});

httpTest("discovery: missing endpoints, HTTP errors, non-JSON, no network", async () => {
  const noDevice = new HttpDouble([{ url: DISCOVERY, respond: { token_endpoint: TOKEN } }]);
  await assert.rejects(() => client(noDevice).discover(ISSUER), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(
      e.message,
      `the issuer ${ISSUER} has no device_authorization_endpoint in its discovery document`,
    );
    assert.match(e.hint!, /RFC 8628.*OET_TOKEN/);
    return true;
  });
  const notFound = new HttpDouble([{ url: DISCOVERY, respond: json({}, 404) }]);
  await assert.rejects(() => client(notFound).discover(ISSUER), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.message, `OpenID discovery failed: ${DISCOVERY} answered HTTP 404`);
    assert.match(e.hint!, /https:\/\/login.microsoftonline.com\/<tenant>\/v2.0/);
    return true;
  });
  const html = new HttpDouble([{ url: DISCOVERY, respond: new Response("<html>") }]);
  await assert.rejects(() => client(html).discover(ISSUER), /with something that is not JSON/);
  const down = new HttpDouble([{
    url: DISCOVERY,
    respond: () => {
      throw new TypeError("error sending request: dns error");
    },
  }]);
  await assert.rejects(
    () => client(down).discover(ISSUER),
    /^AuthError: cannot reach login.example.org \(OpenID discovery\): error sending request/,
  );
});

httpTest(
  "device login: form fields, prompt, interval, pending and slow_down, tokens",
  async () => {
    const f = new HttpDouble([
      discovery(),
      deviceStep(),
      poll(oauthError("authorization_pending")),
      poll(oauthError("slow_down")),
      poll(oauthError("authorization_pending")),
      poll(tokens),
    ]);
    const clock = new VirtualClock(AUTH_T0);
    const start = clock.now();
    const prompts: DevicePrompt[] = [];
    const trace: string[] = [];
    const result = await client(f, clock, trace).deviceLogin(SETTINGS, {
      prompt: (p) => prompts.push(p),
    });
    assert.deepEqual(prompts, [{
      verificationUri: "https://microsoft.com/devicelogin",
      verificationUriComplete: undefined,
      userCode: "ABCD-EFGH",
      message: "To sign in, use a web browser to open https://microsoft.com/devicelogin",
      expiresAt: start + 900_000,
    }]);
    // 5 s, 5 s, then slow_down adds 5 s for every later poll.
    assert.deepEqual(clock.sleeps, [5000, 5000, 10000, 10000]);
    assertForm(f.requests[1], {
      client_id: "client-1",
      scope: "api://oet/.default offline_access",
    });
    for (const req of f.requests.slice(2)) {
      assertForm(req, {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: DEVICE_CODE,
        client_id: "client-1",
      });
    }
    assert.deepEqual(result, {
      accessToken: access,
      refreshToken: REFRESH,
      expiresAt: Date.UTC(2026, 10, 29, 22, 0, 0) / 1000,
      obtainedAt: Math.floor(clock.now() / 1000),
      scope: "api://oet/.default",
    });
    assert.equal(f.remaining, 0);
    assert.deepEqual(trace, [
      `GET ${DISCOVERY} (OpenID discovery) → 200`,
      `POST ${DEVICE} (device code) → 200`,
      `POST ${TOKEN} (device code grant) → 400`,
      `POST ${TOKEN} (device code grant) → 400`,
      `POST ${TOKEN} (device code grant) → 400`,
      `POST ${TOKEN} (device code grant) → 200`,
    ]);
  },
);

httpTest(
  "device login: default interval 5 s, expires_in from the token answer for opaque tokens",
  async () => {
    const f = new HttpDouble([
      discovery(),
      deviceStep({ interval: undefined, verification_uri_complete: "https://x/?code=ABCD" }),
      poll({ access_token: "opaque-access-token", expires_in: "600" }),
    ]);
    const clock = new VirtualClock(AUTH_T0);
    let prompt: DevicePrompt | undefined;
    const r = await client(f, clock).deviceLogin(SETTINGS, { prompt: (p) => prompt = p });
    assert.deepEqual(clock.sleeps, [5000]);
    assert.equal(prompt?.verificationUriComplete, "https://x/?code=ABCD");
    assert.equal(r.expiresAt, Math.floor(clock.now() / 1000) + 600);
    assert.equal(r.refreshToken, undefined);
  },
);

httpTest("device login: expired_token and the expires_in deadline end the wait", async () => {
  const expired = new HttpDouble([
    discovery(),
    deviceStep(),
    poll(oauthError("expired_token", "AADSTS70020: The provided value for device_code expired")),
  ]);
  await assert.rejects(
    () => client(expired).deviceLogin(SETTINGS, { prompt: () => {} }),
    (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "login");
      assert.equal(
        e.message,
        "the login code expired before the sign-in was completed (it was valid for 15 min)",
      );
      assert.equal(
        e.hint,
        "run oet auth login again and finish signing in before the code expires",
      );
      return true;
    },
  );
  // The issuer never says expired_token: oet stops at the deadline itself.
  const pending = Array.from({ length: 3 }, () => poll(oauthError("authorization_pending")));
  const f = new HttpDouble([discovery(), deviceStep({ expires_in: 12 }), ...pending]);
  const clock = new VirtualClock(AUTH_T0);
  await assert.rejects(
    () => client(f, clock).deviceLogin(SETTINGS, { prompt: () => {} }),
    /the login code expired/,
  );
  assert.deepEqual(clock.sleeps, [5000, 5000, 2000]);
  assert.equal(f.remaining, 0);
});

httpTest("device login: access_denied and other errors, escaped, with hints", async () => {
  const denied = new HttpDouble([
    discovery(),
    deviceStep(),
    poll(oauthError("access_denied", "AADSTS70000: The user declined")),
  ]);
  await assert.rejects(
    () => client(denied).deviceLogin(SETTINGS, { prompt: () => {} }),
    (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(
        e.message,
        "the sign-in was declined (access_denied: AADSTS70000: The user declined)",
      );
      return true;
    },
  );
  // Microsoft Entra's word for the same refusal.
  const declined = new HttpDouble([
    discovery(),
    deviceStep(),
    poll(oauthError("authorization_declined", "AADSTS70000: The user declined")),
  ]);
  await assert.rejects(
    () => client(declined).deviceLogin(SETTINGS, { prompt: () => {} }),
    (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(
        e.message,
        "the sign-in was declined (authorization_declined: AADSTS70000: The user declined)",
      );
      assert.equal(e.hint, "run oet auth login again if that was a mistake");
      return true;
    },
  );
  const odd = new HttpDouble([
    discovery(),
    deviceStep(),
    poll(oauthError("invalid_grant", `bad\x1b]0;pwned\x07 code ${DEVICE_CODE}\r\nTrace ID: 1`)),
  ]);
  await assert.rejects(() => client(odd).deviceLogin(SETTINGS, { prompt: () => {} }), (e) => {
    assert.ok(e instanceof AuthError);
    assert.equal(
      e.message,
      "the issuer refused the login (HTTP 400: invalid_grant: bad\\x1b]0;pwned\\x07 code " +
        "[secret] Trace ID: 1)",
    );
    return true;
  });
  const client400 = new HttpDouble([
    discovery(),
    {
      method: "POST",
      url: DEVICE,
      respond: oauthError(
        "invalid_client",
        "AADSTS7000218: The request body must contain 'client_assertion' or 'client_secret'",
        401,
      ),
    },
  ]);
  await assert.rejects(() => client(client400).deviceLogin(SETTINGS, { prompt: () => {} }), (e) => {
    assert.ok(e instanceof AuthError);
    assert.match(
      e.message,
      /^the issuer refused the login \(HTTP 401: invalid_client: AADSTS7000218/,
    );
    assert.match(e.hint!, /public-client app registration/);
    return true;
  });
  const scope = new HttpDouble([
    discovery(),
    { method: "POST", url: DEVICE, respond: oauthError("invalid_scope", "AADSTS70011") },
  ]);
  await assert.rejects(
    () => client(scope).deviceLogin(SETTINGS, { prompt: () => {} }),
    (e: unknown) => e instanceof AuthError && /OET_AUTH_SCOPE/.test(e.hint!),
  );
});

httpTest("device login: the prompt's text is escaped", async () => {
  const f = new HttpDouble([
    discovery(),
    deviceStep({ user_code: "AB\x1b[2JCD", message: "line one\nline two\x1b[31m" }),
    poll(tokens),
  ]);
  let prompt: DevicePrompt | undefined;
  await client(f).deviceLogin(SETTINGS, { prompt: (p) => prompt = p });
  assert.equal(prompt?.userCode, "AB\\x1b[2JCD");
  assert.equal(prompt?.message, "line one line two\\x1b[31m");
});

httpTest("device login: Ctrl-C while waiting rejects with the signal's reason", async () => {
  const f = new HttpDouble([
    discovery(),
    deviceStep(),
    poll(oauthError("authorization_pending")),
  ]);
  const clock = new VirtualClock(AUTH_T0);
  const ctrl = new AbortController();
  const reason = new Error("interrupted");
  clock.onSleep = () => {
    if (clock.sleeps.length === 2) ctrl.abort(reason);
  };
  await assert.rejects(
    () => client(f, clock).deviceLogin(SETTINGS, { prompt: () => {}, signal: ctrl.signal }),
    (e: unknown) => e === reason,
  );
  assert.equal(f.remaining, 0);
  assert.equal(f.requests.length, 3);
});

httpTest(
  "device login: Ctrl-C during a poll request rejects with the signal's reason",
  async () => {
    const ctrl = new AbortController();
    const reason = new Error("interrupted");
    const f = new HttpDouble([
      discovery(),
      deviceStep(),
      poll((_req, signal) => {
        ctrl.abort(reason);
        signal?.throwIfAborted();
        return json(tokens);
      }),
    ]);
    await assert.rejects(
      () => client(f).deviceLogin(SETTINGS, { prompt: () => {}, signal: ctrl.signal }),
      (e: unknown) => e === reason,
    );
  },
);

httpTest(
  "device login: network errors and 5xx while polling back off, then succeed",
  async () => {
    const f = new HttpDouble([
      discovery(),
      deviceStep(),
      poll(() => {
        throw new TypeError("connection reset");
      }),
      poll(new Response("busy", { status: 503 })),
      poll(tokens),
    ]);
    const clock = new VirtualClock(AUTH_T0);
    const r = await client(f, clock).deviceLogin(SETTINGS, { prompt: () => {} });
    assert.deepEqual(clock.sleeps, [5000, 10000, 20000]);
    assert.equal(r.accessToken, access);
  },
);

httpTest("a redirect from the token endpoint is refused, not followed", async () => {
  const f = new HttpDouble([
    discovery(),
    poll(new Response(null, { status: 307, headers: { location: "https://evil.example/t" } })),
  ]);
  await assert.rejects(() => client(f).refresh(SETTINGS, REFRESH), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(
      e.message,
      "login.example.org answered the refresh request with a redirect (HTTP 307)",
    );
    return true;
  });
  assert.equal(f.requests.length, 2);
});

httpTest("token answers are checked: access token, type, refresh token", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ token_type: "Bearer" }, /has no access_token/],
    [{ access_token: "two words" }, /has an access_token that cannot be sent/],
    [{ access_token: "abc", token_type: "DPoP" }, /is a "DPoP" token, not a bearer token/],
    [{ access_token: "abc", refresh_token: 5 }, /refresh_token that is not a string/],
  ];
  for (const [body, pattern] of cases) {
    const f = new HttpDouble([discovery(), poll(body)]);
    await assert.rejects(() => client(f).refresh(SETTINGS, REFRESH), pattern);
  }
});

httpTest(
  "refresh: form fields; a rotated refresh token is returned, else the old one kept",
  async () => {
    const clock = new VirtualClock(AUTH_T0);
    const f = new HttpDouble([
      discovery(),
      poll({ ...tokens, refresh_token: "rotated-refresh-token-xyz" }),
      poll({ access_token: access, token_type: "Bearer", expires_in: 3600 }),
    ]);
    const c = client(f, clock);
    assert.equal((await c.refresh(SETTINGS, REFRESH)).refreshToken, "rotated-refresh-token-xyz");
    assertForm(f.requests[1], {
      grant_type: "refresh_token",
      refresh_token: REFRESH,
      client_id: "client-1",
      scope: "api://oet/.default offline_access",
    });
    assert.equal((await c.refresh(SETTINGS, REFRESH)).refreshToken, REFRESH);
    assert.equal(f.requests.length, 3); // discovery once
  },
);

httpTest(
  "refresh: invalid_grant is 'expired' (log in again); other errors are 'login'",
  async () => {
    const f = new HttpDouble([
      discovery(),
      poll(oauthError("invalid_grant", `AADSTS700082: The refresh token has expired ${REFRESH}`)),
      poll(oauthError("invalid_client", "nope", 401)),
    ]);
    const c = client(f);
    await assert.rejects(() => c.refresh(SETTINGS, REFRESH), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "expired");
      assert.equal(
        e.message,
        "the login has expired or was revoked (HTTP 400: invalid_grant: AADSTS700082: The " +
          "refresh token has expired [secret])",
      );
      assert.equal(e.hint, "log in again: oet auth login");
      return true;
    });
    await assert.rejects(() => c.refresh(SETTINGS, REFRESH), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "login");
      assert.equal(
        e.message,
        "the issuer refused to renew the token (HTTP 401: invalid_client: nope)",
      );
      return true;
    });
  },
);

httpTest("a request that gets no answer in time fails with the time limit", async () => {
  const f = new HttpDouble([{
    url: DISCOVERY,
    respond: (_req, signal) =>
      new Promise((_resolve, reject) => {
        signal!.addEventListener("abort", () => reject(signal!.reason), { once: true });
      }),
  }]);
  const c = new OidcClient({
    fetch: f.fetch,
    clock: new VirtualClock(AUTH_T0),
    requestTimeoutMs: 30,
  });
  await assert.rejects(
    () => c.discover(ISSUER),
    /cannot reach login.example.org \(OpenID discovery\): no answer within 30 ms/,
  );
});

httpTest(
  "real fetch against a local issuer: forms as the server parses them, no redirect followed",
  async () => {
    const issuer = new HttpDouble().listen();
    const base = issuer.origin;
    issuer.stub(
      {
        url: "/realm/.well-known/openid-configuration",
        respond: () =>
          json({
            device_authorization_endpoint: `${base}/device`,
            token_endpoint: `${base}/token`,
          }),
      },
      {
        method: "POST",
        url: "/device",
        respond: () =>
          json({
            device_code: DEVICE_CODE,
            user_code: "WXYZ",
            verification_uri: `${base}/verify`,
            expires_in: 60,
            interval: 1,
          }),
      },
      { method: "POST", url: "/token", respond: oauthError("authorization_pending") },
      { method: "POST", url: "/token", respond: json(tokens) },
      // A refresh answered with a redirect elsewhere: not to be followed.
      {
        method: "POST",
        url: "/token",
        respond: Response.redirect("http://127.0.0.1:9/elsewhere", 307),
      },
    );
    const seen = () =>
      issuer.requests.map((r) => ({ path: r.path, form: r.form, auth: r.headers.authorization }));
    try {
      const clock = new VirtualClock(AUTH_T0);
      const c = new OidcClient({ fetch, clock });
      const settings = { ...SETTINGS, issuer: `${base}/realm/` };
      const r = await c.deviceLogin(settings, { prompt: () => {} });
      assert.equal(r.accessToken, access);
      assert.deepEqual(clock.sleeps, [1000, 1000]);
      assert.deepEqual(seen().map((s) => s.path), [
        "/realm/.well-known/openid-configuration",
        "/device",
        "/token",
        "/token",
      ]);
      assert.deepEqual(seen()[1].form, { client_id: "client-1", scope: SETTINGS.scope });
      assert.equal(seen()[3].form.device_code, DEVICE_CODE);
      assert.ok(seen().every((s) => s.auth === undefined));
      await assert.rejects(() => c.refresh(settings, REFRESH), /with a redirect \(HTTP 307\)/);
      assert.equal(seen()[4].form.grant_type, "refresh_token");
      assert.equal(seen().length, 5); // the redirect was not followed
    } finally {
      await issuer.close();
    }
  },
);
