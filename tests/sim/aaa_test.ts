/**
 * The simulator's AAA mode, at the HTTP level (no CLI): the OET's checks
 * (403 without a token, 401 for a token it cannot accept, 403 for a missing
 * role or scope, per endpoint as in docs/servers.md), what stays unguarded,
 * worker slots, and the OpenID Connect issuer (discovery, keys, device code,
 * token endpoint switches, refresh grant), the in-process API and the
 * command-line flags.
 */

import assert from "node:assert/strict";
import { ENGINEER_ROLE, OET_SCOPES, operatorRole } from "../../sim/src/aaa.ts";
import { parseSimArgs, usage } from "../../sim/src/cli.ts";
import { type Flavor, FLAVORS, isFastApi } from "../../sim/src/flavor.ts";
import { generateSigningKey } from "../../sim/src/jwt.ts";
import type { AuthOptions, Simulator, SimulatorOptions } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import { parseEvents } from "./sse_reader.ts";
import { changed, until as waitUntil } from "../support/wait.ts";

/** One key for the whole file: making one takes a few tenths of a second. */
const KEYS = await generateSigningKey();
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

async function withAaa<T>(
  flavor: Flavor,
  fn: (sim: Simulator) => Promise<T>,
  auth: AuthOptions = {},
  extra: Omit<SimulatorOptions, "flavor" | "auth"> = {},
): Promise<T> {
  const sim = startSim({ flavor, stepMs: 5, ...extra, auth: { keyPair: KEYS, ...auth } });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

interface Endpoint {
  method: string;
  /** Below the API root, in the flavour's spelling. */
  path: string;
  body?: unknown;
  scope: string;
}

/** Every guarded endpoint, with a body the server accepts. */
function endpoints(flavor: Flavor): Endpoint[] {
  const s = isFastApi(flavor) ? "/" : "";
  const sbd = isFastApi(flavor) ? "sbd-t0001-20250403-00001" : "sbd-mvp01-20200325-00001";
  return [
    { method: "GET", path: `procedures${s}`, scope: "activity:read" },
    {
      method: "POST",
      path: `procedures${s}`,
      body: {
        script: { script_type: "filesystem", script_uri: "file:///scripts/success.py" },
        script_args: { init: { args: [], kwargs: {} } },
      },
      scope: "procedure:execute",
    },
    { method: "GET", path: "procedures/1", scope: "activity:read" },
    {
      method: "PUT",
      path: "procedures/1",
      body: { state: "STOPPED", abort: false },
      scope: "procedure:execute",
    },
    { method: "GET", path: `activities${s}`, scope: "activity:read" },
    {
      method: "POST",
      path: `activities${s}`,
      body: { sbd_id: sbd, activity_name: "hello", script_args: {}, prepare_only: true },
      scope: "activity:read",
    },
    { method: "GET", path: "activities/1", scope: "activity:read" },
    { method: "GET", path: "stream", scope: "activity:read" },
  ];
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** One request; a stream's body is dropped once its headers are in. */
async function call(
  sim: Simulator,
  ep: { method: string; path: string; body?: unknown },
  authorization?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (ep.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sim.baseUrl}/${ep.path}`, {
    method: ep.method,
    headers,
    body: ep.body === undefined ? undefined : JSON.stringify(ep.body),
    redirect: "manual",
  });
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, text: "", headers: res.headers };
  }
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const bearer = (token: string) => `Bearer ${token}`;

async function postForm(url: string, form: Record<string, string>): Promise<{
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

function decode(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
}

// ---------------------------------------------------------------- the OET's side

Deno.test("aaa: without --auth nothing changes: no token needed, no issuer, headers recorded", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    assert.equal(sim.issuer, undefined);
    assert.equal(sim.aaa, undefined);
    const r = await call(sim, { method: "GET", path: "procedures/" });
    assert.equal(r.status, 200);
    const withHeader = await call(sim, { method: "GET", path: "procedures/" }, "Bearer x.y.z");
    assert.equal(withHeader.status, 200, "a token is ignored, as by a server without AAA");
    const disco = await fetch(`${sim.origin}/issuer/.well-known/openid-configuration`);
    assert.equal(disco.status, 404);
    await disco.body?.cancel();
    assert.deepEqual(sim.requests.map((q) => q.authorization), [null, "Bearer x.y.z", null]);
    assert.ok(sim.requests.every((q) => q.refusal === undefined));
  } finally {
    await sim.close();
  }
});

for (const flavor of FLAVORS) {
  Deno.test(`aaa ${flavor}: no token: 403 {"detail":"Not authenticated"} on every endpoint, nothing done`, async () => {
    await withAaa(
      flavor,
      async (sim) => {
        for (const ep of endpoints(flavor)) {
          const r = await call(sim, ep);
          assert.equal(r.status, 403, `${ep.method} ${ep.path}`);
          assert.equal(r.text, '{"detail":"Not authenticated"}', `${ep.method} ${ep.path}`);
          assert.equal(r.headers.get("content-type"), "application/json");
        }
        assert.deepEqual(sim.state.procedures(), [], "no refused create took effect");
        assert.deepEqual(sim.state.activities(), []);
        assert.ok(sim.requests.every((q) => q.refusal === "no-token" && q.status === 403));
      },
      {},
      { workers: Infinity },
    );
  });

  Deno.test(`aaa ${flavor}: per endpoint: its scope is needed and enough; either accepted role`, async () => {
    await withAaa(
      flavor,
      async (sim) => {
        const issuer = sim.issuer!;
        for (const ep of endpoints(flavor)) {
          const what = `${ep.method} ${ep.path}`;
          const others = OET_SCOPES.filter((s) => s !== ep.scope).join(" ");
          const without = await call(sim, ep, bearer(await issuer.mint({ scp: others })));
          assert.equal(without.status, 403, what);
          assert.equal(
            JSON.parse(without.text).detail,
            `Forbidden: ${
              sim.aaa!.requirementFor(ep.method, new URL(`${sim.baseUrl}/${ep.path}`).pathname)!
                .action
            } requires the scope ${ep.scope}`,
            what,
          );
          for (const role of [ENGINEER_ROLE, operatorRole("mid")]) {
            const only = await call(
              sim,
              ep,
              bearer(await issuer.mint({ scp: ep.scope, roles: [role] })),
            );
            assert.ok(
              ![401, 403].includes(only.status),
              `${what} as ${role}: ${only.status} ${only.text}`,
            );
          }
          for (const roles of [[], [operatorRole("low")], ["SOMETHING_ELSE"]]) {
            const r = await call(sim, ep, bearer(await issuer.mint({ roles })));
            assert.equal(r.status, 403, `${what} with roles ${roles}`);
            assert.match(
              JSON.parse(r.text).detail,
              /^Forbidden: .* requires one of the roles SW_ENGINEER, MID_TELESCOPE_OPERATOR$/,
            );
          }
          const noRoles = await call(sim, ep, bearer(await issuer.mint({ roles: undefined })));
          assert.equal(noRoles.status, 403, `${what} with no roles claim`);
        }
        const refusals = new Set(sim.requests.map((q) => q.refusal));
        assert.deepEqual([...refusals].sort(), ["role", "scope", undefined].sort());
      },
      {},
      { workers: Infinity },
    );
  });

  Deno.test(`aaa ${flavor}: 401 for a token it cannot accept, with WWW-Authenticate`, async () => {
    await withAaa(flavor, async (sim) => {
      const issuer = sim.issuer!;
      const good = await issuer.mint();
      const [h, p, s] = good.split(".");
      const forged = `${h}.${
        btoa(JSON.stringify({ ...decode(good), roles: ["SW_ENGINEER", "X"] }))
          .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")
      }.${s}`;
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, string, string][] = [
        ["not a JWT", "opaque-token-0123456789", "not a signed JWT"],
        ["two parts", `${h}.${p}`, "not a signed JWT"],
        [
          "alg none",
          await issuer.mint({}, { signer: "none" }),
          "the signing algorithm is not RS256",
        ],
        [
          "another key",
          await issuer.mint({}, { signer: "foreign" }),
          "the signature does not verify",
        ],
        ["a changed payload", forged, "the signature does not verify"],
        ["expired", await issuer.mint({}, { ttlS: -10 }), "the token has expired"],
        ["exp = now", await issuer.mint({ exp: now - 1 }), "the token has expired"],
        ["no exp", await issuer.mint({ exp: undefined }), "the token has no expiry"],
        ["not valid yet", await issuer.mint({ nbf: now + 3600 }), "the token is not valid yet"],
        ["another audience", await issuer.mint({ aud: "api://other" }), "invalid audience"],
        ["no audience", await issuer.mint({ aud: undefined }), "invalid audience"],
        ["another issuer", await issuer.mint({ iss: "https://login.example/x" }), "invalid issuer"],
      ];
      for (const [what, token, why] of cases) {
        const r = await call(
          sim,
          { method: "GET", path: endpoints(flavor)[0].path },
          bearer(token),
        );
        assert.equal(r.status, 401, what);
        assert.equal(
          r.text,
          JSON.stringify({ detail: `Could not validate credentials: ${why}` }),
          what,
        );
        assert.equal(r.headers.get("www-authenticate"), 'Bearer error="invalid_token"', what);
      }
      // An audience list that holds the OET's is fine; so is a lower-case scheme.
      const list = await issuer.mint({ aud: ["api://other", issuer.audience] });
      assert.equal((await call(sim, endpoints(flavor)[0], `bearer ${list}`)).status, 200);
      // Another scheme, or Bearer without a token: not authenticated.
      for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   "]) {
        const r = await call(sim, endpoints(flavor)[0], header);
        assert.equal(r.status, 403, header);
        assert.match(r.text, /Invalid authentication credentials|Not authenticated/);
      }
    });
  });
}

Deno.test("aaa: the telescope decides which operator role counts", async () => {
  await withAaa("v8", async (sim) => {
    const ep = endpoints("v8")[0];
    const low = await sim.issuer!.mint({ roles: [operatorRole("low")] });
    const mid = await sim.issuer!.mint({ roles: [operatorRole("mid")] });
    assert.equal((await call(sim, ep, bearer(low))).status, 200);
    const r = await call(sim, ep, bearer(mid));
    assert.equal(r.status, 403);
    assert.match(r.text, /one of the roles SW_ENGINEER, LOW_TELESCOPE_OPERATOR/);
    sim.aaa!.update({ telescope: "mid" });
    assert.equal((await call(sim, ep, bearer(mid))).status, 200);
  }, { telescope: "low" });
});

Deno.test("aaa: activity runs can want activity:execute (a later release)", async () => {
  await withAaa("v7", async (sim) => {
    const run = endpoints("v7")[5];
    assert.equal(run.method, "POST");
    const read = await sim.issuer!.mint({ scp: "activity:read" });
    const r = await call(sim, run, bearer(read));
    assert.equal(r.status, 403);
    assert.match(r.text, /run an activity requires the scope activity:execute/);
    const exec = await sim.issuer!.mint({ scp: "activity:execute" });
    assert.equal((await call(sim, run, bearer(exec))).status, 201);
    assert.equal(sim.aaa!.settings.activityRunScope, "activity:execute");
  }, { activityRunScope: "activity:execute" });
});

Deno.test("aaa: noTokenStatus 401 answers 401 with WWW-Authenticate: Bearer", async () => {
  await withAaa("v7", async (sim) => {
    const r = await call(sim, endpoints("v7")[0]);
    assert.equal(r.status, 401);
    assert.equal(r.text, '{"detail":"Not authenticated"}');
    assert.equal(r.headers.get("www-authenticate"), "Bearer");
  }, { noTokenStatus: 401 });
});

Deno.test("aaa: refusals quote the token only with echoToken", async () => {
  await withAaa("v5", async (sim) => {
    const ep = endpoints("v5")[1];
    const noScope = await sim.issuer!.mint({ scp: "activity:read" });
    const quiet = await call(sim, ep, bearer(noScope));
    assert.equal(quiet.status, 403);
    assert.ok(!quiet.text.includes(noScope));
    sim.aaa!.update({ echoToken: true });
    const loud = await call(sim, ep, bearer(noScope));
    assert.equal(loud.status, 403);
    assert.ok(loud.text.includes(noScope), loud.text);
    const expired = await sim.issuer!.mint({}, { ttlS: -5 });
    const r401 = await call(sim, ep, bearer(expired));
    assert.equal(r401.status, 401);
    assert.ok(r401.text.includes(expired));
  });
});

Deno.test("aaa: unrouted paths, methods, 7.x redirects and openapi.json are not guarded", async () => {
  await withAaa("v7", async (sim) => {
    assert.equal((await call(sim, { method: "GET", path: "procedures" })).status, 307);
    assert.equal((await call(sim, { method: "GET", path: "openapi.json" })).status, 200);
    assert.equal((await call(sim, { method: "DELETE", path: "procedures/1" })).status, 405);
    assert.equal((await call(sim, { method: "GET", path: "nothing/here" })).status, 404);
    assert.equal((await call(sim, { method: "GET", path: "procedures/x" })).status, 403, "an id");
  });
  await withAaa("v5", async (sim) => {
    assert.equal((await call(sim, { method: "GET", path: "procedures/" })).status, 404);
    assert.equal((await call(sim, { method: "GET", path: "procedures/x" })).status, 404);
    assert.equal((await call(sim, { method: "OPTIONS", path: "procedures" })).status, 200);
    assert.equal((await call(sim, { method: "GET", path: "openapi.json" })).status, 200);
    assert.equal((await call(sim, { method: "HEAD", path: "stream" })).status, 403, "HEAD is GET");
  });
});

Deno.test("aaa: a refused request publishes no event", async () => {
  await withAaa("v7", async (sim) => {
    const token = await sim.issuer!.mint();
    const res = await fetch(`${sim.baseUrl}/stream`, { headers: { authorization: bearer(token) } });
    assert.equal(res.status, 200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let raw = "";
    const reading = (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        raw += value;
        changed();
      }
    })();
    try {
      const ep = endpoints("v7");
      assert.equal((await call(sim, ep[1])).status, 403);
      assert.equal(
        (await call(sim, ep[1], bearer(await sim.issuer!.mint({ scp: "x" })))).status,
        403,
      );
      assert.equal((await call(sim, ep[0], bearer(token))).status, 200);
      await waitUntil(() => parseEvents(raw).length >= 2, "the list's two events");
      const topics = parseEvents(raw).map((e) => JSON.parse(e.data).topic);
      assert.deepEqual(topics, ["request.procedure.list", "procedure.pool.list"]);
      assert.deepEqual(sim.state.procedures(), []);
    } finally {
      await reader.cancel();
      await reading.catch(() => {});
    }
  });
});

Deno.test("aaa workers: a refused request waits for a worker like any other", async () => {
  await withAaa("v5", async (sim) => {
    const token = await sim.issuer!.mint();
    const streams = await Promise.all(
      [1, 2, 3, 4].map(() =>
        fetch(`${sim.baseUrl}/stream`, { headers: { authorization: bearer(token) } })
      ),
    );
    assert.deepEqual(streams.map((s) => s.status), [200, 200, 200, 200]);
    assert.equal(sim.state.workers().heldByStreams, 4);
    const refused = call(sim, endpoints("v5")[0]);
    await waitUntil(() => sim.state.workers().queued === 1, "the refused request to queue");
    await sim.close();
    assert.equal((await refused).status, 503, "it was still waiting for a worker");
    for (const s of streams) await s.body?.cancel();
  });
});

for (const flavor of ["v5", "v7"] as const) {
  Deno.test(`aaa workers ${flavor}: a refused /stream holds no worker afterwards`, async () => {
    await withAaa(flavor, async (sim) => {
      const size = sim.state.workers().size;
      const wrongScope = await sim.issuer!.mint({ scp: "procedure:execute" });
      const stream = { method: "GET", path: "stream" };
      const answers = await Promise.all(
        Array.from(
          { length: size + 4 },
          (_, i) => call(sim, stream, i % 2 ? bearer(wrongScope) : undefined),
        ),
      );
      assert.ok(answers.every((a) => a.status === 403));
      await waitUntil(() => sim.state.workers().busy === 0, "every worker to be free");
      const w = sim.state.workers();
      assert.equal(w.heldByStreams + w.heldByDeadStreams + w.queued, 0);
      assert.equal(sim.openStreams, 0);
      const ok = await call(sim, endpoints(flavor)[0], bearer(await sim.issuer!.mint()));
      assert.equal(ok.status, 200, "the server is not wedged");
    });
  });
}

// ---------------------------------------------------------------- the issuer

Deno.test("issuer: discovery, keys, and minted tokens that verify with the published key", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    assert.equal(issuer.url, `${sim.origin}/issuer`);
    assert.deepEqual(issuer.loginEnv(), {
      OET_AUTH_ISSUER: `${sim.origin}/issuer`,
      OET_AUTH_CLIENT_ID: "oet-cli",
      OET_AUTH_SCOPE: "api://oet-sim/.default offline_access",
    });
    const disco = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json();
    assert.equal(disco.issuer, issuer.url);
    assert.equal(disco.token_endpoint, `${issuer.url}/oauth2/v2.0/token`);
    assert.equal(disco.device_authorization_endpoint, `${issuer.url}/oauth2/v2.0/devicecode`);
    assert.ok(disco.grant_types_supported.includes(DEVICE_GRANT));
    const jwks = await (await fetch(disco.jwks_uri)).json();
    assert.equal(jwks.keys.length, 1);
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: jwks.keys[0].kty, n: jwks.keys[0].n, e: jwks.keys[0].e },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["verify"],
    );
    const token = await issuer.mint({ name: "Grace Hopper", roles: ["LOW_TELESCOPE_OPERATOR"] });
    const [h, p, s] = token.split(".");
    const sig = Uint8Array.from(
      atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - s.length % 4) % 4)),
      (c) => c.charCodeAt(0),
    );
    assert.ok(
      await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        key,
        sig,
        new TextEncoder().encode(`${h}.${p}`),
      ),
    );
    assert.deepEqual(decode(`x.${h}.x`), {
      alg: "RS256",
      typ: "JWT",
      kid: "oet-sim-1",
    });
    const claims = decode(token);
    assert.equal(claims.aud, "api://oet-sim");
    assert.equal(claims.iss, issuer.url);
    assert.equal(claims.name, "Grace Hopper");
    assert.equal(claims.preferred_username, "ada@oet-sim.example");
    assert.deepEqual(claims.roles, ["LOW_TELESCOPE_OPERATOR"]);
    assert.equal(claims.scp, "activity:read activity:execute procedure:execute");
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    assert.ok(issuer.secrets().includes(token));
    assert.notEqual(await issuer.mint(), await issuer.mint(), "every token is unique (jti)");
  });
});

/** Starts a device login as `oet` would; returns the device code answer. */
// deno-lint-ignore no-explicit-any
async function deviceCode(sim: Simulator, scope = sim.issuer!.scope): Promise<any> {
  const r = await postForm(`${sim.issuer!.url}/oauth2/v2.0/devicecode`, {
    client_id: sim.issuer!.clientId,
    scope,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

function poll(sim: Simulator, code: string) {
  return postForm(`${sim.issuer!.url}/oauth2/v2.0/token`, {
    grant_type: DEVICE_GRANT,
    device_code: code,
    client_id: sim.issuer!.clientId,
  });
}

Deno.test("issuer: device code, pending until approved, tokens for the approved identity, once", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    const waiting = issuer.waitForCode();
    const dc = await deviceCode(sim);
    assert.match(dc.user_code, /^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    assert.equal(dc.verification_uri, `${issuer.url}/device`);
    assert.equal(dc.verification_uri_complete, `${issuer.url}/device?user_code=${dc.user_code}`);
    assert.equal(dc.expires_in, 900);
    assert.equal(dc.interval, 5);
    assert.equal((await waiting).userCode, dc.user_code);
    const pending = await poll(sim, dc.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, "authorization_pending");
    issuer.approve(dc.user_code, {
      name: "Grace Hopper",
      roles: ["MID_TELESCOPE_OPERATOR"],
      scopes: ["activity:read"],
    });
    const ok = await poll(sim, dc.device_code);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, "Bearer");
    assert.equal(typeof ok.body.refresh_token, "string");
    const claims = decode(ok.body.access_token);
    assert.equal(claims.name, "Grace Hopper");
    assert.deepEqual(claims.roles, ["MID_TELESCOPE_OPERATOR"]);
    assert.equal(claims.scp, "activity:read");
    assert.equal(claims.azp, "oet-cli");
    // The token works at the OET, for what its scope allows.
    const list = await call(sim, endpoints("v7")[0], bearer(ok.body.access_token));
    assert.equal(list.status, 200);
    const create = await call(sim, endpoints("v7")[1], bearer(ok.body.access_token));
    assert.equal(create.status, 403);
    const again = await poll(sim, dc.device_code);
    assert.equal(again.body.error, "invalid_grant", "a device code is used once");
    assert.equal(issuer.codes()[0].state, "used");
    assert.equal(issuer.codes()[0].polls, 3);
    for (const s of [dc.device_code, ok.body.access_token, ok.body.refresh_token]) {
      assert.ok(issuer.secrets().includes(s));
    }
    assert.deepEqual(
      issuer.requests.map((
        r,
      ) => [r.path.replace(issuer.url.replace(sim.origin, ""), ""), r.status, r.error]),
      [
        ["/oauth2/v2.0/devicecode", 200, undefined],
        ["/oauth2/v2.0/token", 400, "authorization_pending"],
        ["/oauth2/v2.0/token", 200, undefined],
        ["/oauth2/v2.0/token", 400, "invalid_grant"],
      ],
    );
    assert.equal(sim.requests.filter((q) => q.path.startsWith("/issuer")).length, 0);
  });
});

Deno.test("issuer: default identity, scopes from the login, deny and expire", async () => {
  await withAaa("v5", async (sim) => {
    const issuer = sim.issuer!;
    const a = await deviceCode(sim, "api://oet-sim/activity:read openid");
    issuer.approve();
    const ok = await poll(sim, a.device_code);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.refresh_token, undefined, "no offline_access, no refresh token");
    const claims = decode(ok.body.access_token);
    assert.equal(claims.name, "Ada Lovelace");
    assert.deepEqual(claims.roles, ["SW_ENGINEER"]);
    assert.equal(claims.scp, "activity:read");
    const b = await deviceCode(sim);
    issuer.deny(b.user_code);
    assert.equal((await poll(sim, b.device_code)).body.error, "access_denied");
    const c = await deviceCode(sim);
    issuer.expire();
    assert.equal((await poll(sim, c.device_code)).body.error, "expired_token");
    issuer.setSwitches({ deviceCodeTtlS: 0 });
    const d = await deviceCode(sim);
    assert.equal(d.expires_in, 0);
    assert.equal((await poll(sim, d.device_code)).body.error, "expired_token");
    assert.throws(() => issuer.approve(), /no device code is pending/);
    assert.throws(() => issuer.approve("NOPE-NOPE"), /no device code NOPE-NOPE/);
  });
});

Deno.test("issuer: the poll switches fire in order, N times each, then the code answers", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    issuer.setSwitches({
      pending: 2,
      slowDown: 1,
      expiredToken: 1,
      accessDenied: 1,
      autoApprove: 0,
    });
    const dc = await deviceCode(sim);
    const errors: string[] = [];
    for (let i = 0; i < 5; i++) errors.push((await poll(sim, dc.device_code)).body.error);
    assert.deepEqual(errors, [
      "authorization_pending",
      "authorization_pending",
      "slow_down",
      "expired_token",
      "access_denied",
    ]);
    assert.deepEqual(issuer.switches, {
      pending: 0,
      slowDown: 0,
      expiredToken: 0,
      accessDenied: 0,
      autoApprove: 0,
    });
    const ok = await poll(sim, dc.device_code);
    assert.equal(ok.status, 200, "auto-approved once the switches are used up");
  });
});

Deno.test("issuer: autoApprove after N polls, as autoApproveAs", async () => {
  await withAaa("v6", async (sim) => {
    const dc = await deviceCode(sim);
    assert.equal(dc.interval, 1);
    assert.equal((await poll(sim, dc.device_code)).body.error, "authorization_pending");
    assert.equal((await poll(sim, dc.device_code)).body.error, "authorization_pending");
    const ok = await poll(sim, dc.device_code);
    assert.equal(ok.status, 200);
    assert.equal(decode(ok.body.access_token).name, "Grace Hopper");
  }, { issuer: { autoApprove: 2, autoApproveAs: { name: "Grace Hopper" }, pollIntervalS: 1 } });
});

Deno.test("issuer: refresh grant, with and without rotation; revoked; short-lived tokens", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    issuer.setSwitches({ autoApprove: 0 });
    const dc = await deviceCode(sim);
    const first = (await poll(sim, dc.device_code)).body;
    const refresh = (token: string) =>
      postForm(`${issuer.url}/oauth2/v2.0/token`, {
        grant_type: "refresh_token",
        refresh_token: token,
        client_id: issuer.clientId,
        scope: issuer.scope,
      });
    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.access_token, first.access_token);
    assert.notEqual(second.body.refresh_token, first.refresh_token, "rotated");
    assert.equal(
      (await refresh(first.refresh_token)).body.error,
      "invalid_grant",
      "the old one is spent",
    );
    issuer.setSwitches({ rotateRefreshTokens: false, accessTokenTtlS: 0 });
    const third = await refresh(second.body.refresh_token);
    assert.equal(third.status, 200);
    assert.equal(third.body.refresh_token, undefined, "no new refresh token without rotation");
    assert.equal(third.body.expires_in, 0);
    const expired = await call(sim, endpoints("v7")[0], bearer(third.body.access_token));
    assert.equal(expired.status, 401, "ttl 0: already expired");
    assert.equal((await refresh(second.body.refresh_token)).status, 200, "still valid");
    issuer.revokeRefreshTokens();
    const revoked = await refresh(second.body.refresh_token);
    assert.equal(revoked.status, 400);
    assert.equal(revoked.body.error, "invalid_grant");
    assert.equal((await refresh("made-up")).body.error, "invalid_grant");
    issuer.setSwitches({ autoApprove: 0, refreshTokens: false });
    const none = await poll(sim, (await deviceCode(sim)).device_code);
    assert.equal(none.body.refresh_token, undefined);
  });
});

Deno.test("issuer: refuses an unknown client, a scope it does not know, another grant", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    const device = `${issuer.url}/oauth2/v2.0/devicecode`;
    const wrongClient = await postForm(device, { client_id: "nope", scope: issuer.scope });
    assert.equal(wrongClient.status, 401);
    assert.equal(wrongClient.body.error, "invalid_client");
    for (const scope of ["openid offline_access", "api://other/.default", "api://oet-sim/admin"]) {
      const r = await postForm(device, { client_id: issuer.clientId, scope });
      assert.equal(r.status, 400, scope);
      assert.equal(r.body.error, "invalid_scope", scope);
    }
    const grant = await postForm(`${issuer.url}/oauth2/v2.0/token`, {
      grant_type: "password",
      client_id: issuer.clientId,
    });
    assert.equal(grant.body.error, "unsupported_grant_type");
    const get = await fetch(`${issuer.url}/oauth2/v2.0/token`);
    assert.equal(get.status, 405);
    await get.body?.cancel();
  }, { clientId: "my-client" });
});

Deno.test("issuer: the sign-in page approves or denies a code by hand", async () => {
  await withAaa("v7", async (sim) => {
    const issuer = sim.issuer!;
    const a = await deviceCode(sim);
    const page = await fetch(`${issuer.url}/device?user_code=${a.user_code}`);
    const html = await page.text();
    assert.match(html, /<form method="post">/);
    assert.ok(html.includes(`value="${a.user_code}"`));
    const approve = await fetch(`${issuer.url}/device`, {
      method: "POST",
      body: new URLSearchParams({ user_code: a.user_code.toLowerCase(), action: "approve" }),
    });
    assert.match(await approve.text(), /Signed in/);
    assert.equal((await poll(sim, a.device_code)).status, 200);
    const b = await deviceCode(sim);
    const deny = await fetch(`${issuer.url}/device`, {
      method: "POST",
      body: new URLSearchParams({ user_code: b.user_code, action: "deny" }),
    });
    assert.match(await deny.text(), /declined/);
    assert.equal((await poll(sim, b.device_code)).body.error, "access_denied");
  });
});

Deno.test("issuer: takes no OET worker, and OET faults do not touch it", async () => {
  await withAaa("v5", async (sim) => {
    const token = await sim.issuer!.mint();
    const streams = await Promise.all(
      [1, 2, 3, 4].map(() =>
        fetch(`${sim.baseUrl}/stream`, { headers: { authorization: bearer(token) } })
      ),
    );
    sim.setFaults({ fail500Next: 5 });
    assert.equal(sim.state.workers().busy, 4, "the OET is wedged");
    const disco = await fetch(`${sim.issuer!.url}/.well-known/openid-configuration`);
    assert.equal(disco.status, 200);
    await disco.body?.cancel();
    const dc = await deviceCode(sim);
    assert.ok(dc.device_code);
    assert.equal(sim.faults.fail500Next, 5);
    await sim.close();
    for (const s of streams) await s.body?.cancel();
  });
});

Deno.test("issuer: waitForCode is refused when the simulator closes", async () => {
  const sim = startSim({ flavor: "v7", auth: { keyPair: KEYS } });
  const refused = assert.rejects(sim.issuer!.waitForCode(), /cancelled/);
  await sim.close();
  await refused;
});

Deno.test("aaa: a fresh key is made when none is given, and tokens of another simulator are refused", async () => {
  const a = startSim({ flavor: "v7", auth: true });
  const b = startSim({ flavor: "v7", auth: true });
  try {
    const token = await a.issuer!.mint({ iss: b.issuer!.url });
    const r = await call(b, endpoints("v7")[0], bearer(token));
    assert.equal(r.status, 401);
    assert.match(r.text, /signature does not verify/);
    assert.equal((await call(b, endpoints("v7")[0], bearer(await b.issuer!.mint()))).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

Deno.test("faults: redirectTo sends every OET request elsewhere, without a worker", async () => {
  const other = startSim({ flavor: "v7" });
  try {
    await withAaa(
      "v7",
      async (sim) => {
        const r = await call(sim, { method: "GET", path: "procedures/?x=1" });
        assert.equal(r.status, 307);
        assert.equal(
          r.headers.get("location"),
          `${other.origin}/ska-oso-oet/oet/api/v7/procedures/?x=1`,
        );
        assert.equal(sim.state.workers().busy, 0);
        const disco = await fetch(`${sim.issuer!.url}/.well-known/openid-configuration`);
        assert.equal(disco.status, 200, "not the issuer");
        await disco.body?.cancel();
      },
      {},
      { faults: { redirectTo: other.origin } },
    );
  } finally {
    await other.close();
  }
});

// ---------------------------------------------------------------- the command line

Deno.test("cli: the AAA flags", () => {
  const cmd = parseSimArgs([
    "--",
    "--auth",
    "--auth-audience",
    "api://mine",
    "--auth-telescope=low",
    "--auth-client-id",
    "c1",
    "--auth-activity-run-scope",
    "activity:execute",
    "--auth-no-token-status",
    "401",
    "--auth-echo-token",
    "--auto-approve=2",
    "--auth-user",
    "Grace Hopper",
    "--auth-roles",
    "LOW_TELESCOPE_OPERATOR, SW_ENGINEER",
    "--auth-scopes=activity:read",
    "--token-ttl",
    "30",
    "--no-refresh-tokens",
    "--no-rotate-refresh-tokens",
    "--poll-interval",
    "1",
    "--device-code-ttl",
    "60",
    "--issuer-pending",
    "1",
    "--issuer-slow-down",
    "2",
    "--issuer-expired-token",
    "3",
    "--issuer-access-denied",
    "4",
    "--redirect-to",
    "http://127.0.0.1:9999",
  ]);
  assert.ok(cmd.kind === "run");
  assert.deepEqual(cmd.options.auth, {
    audience: "api://mine",
    telescope: "low",
    clientId: "c1",
    activityRunScope: "activity:execute",
    noTokenStatus: 401,
    echoToken: true,
    issuer: {
      autoApprove: 2,
      autoApproveAs: {
        name: "Grace Hopper",
        roles: ["LOW_TELESCOPE_OPERATOR", "SW_ENGINEER"],
        scopes: ["activity:read"],
      },
      accessTokenTtlS: 30,
      refreshTokens: false,
      rotateRefreshTokens: false,
      pollIntervalS: 1,
      deviceCodeTtlS: 60,
      pending: 1,
      slowDown: 2,
      expiredToken: 3,
      accessDenied: 4,
    },
  });
  assert.equal(cmd.options.faults?.redirectTo, "http://127.0.0.1:9999");
  const bare = parseSimArgs(["--auto-approve"]);
  assert.ok(bare.kind === "run");
  assert.deepEqual(bare.options.auth, { issuer: { autoApprove: 0 } }, "implies --auth");
  const plain = parseSimArgs(["--auth"]);
  assert.ok(plain.kind === "run");
  assert.deepEqual(plain.options.auth, {});
  const off = parseSimArgs([]);
  assert.ok(off.kind === "run" && !("auth" in off.options));
  assert.throws(() => parseSimArgs(["--auth-telescope", "both"]), /mid or low/);
  assert.throws(() => parseSimArgs(["--auth-no-token-status", "400"]), /401 or 403/);
  assert.throws(() => parseSimArgs(["--auto-approve", "2"]), /unknown option 2/);
  assert.throws(() => parseSimArgs(["--redirect-to", "nowhere"]), /origin/);
  for (
    const flag of ["--auth", "--auto-approve", "--issuer-slow-down", "--token-ttl", "--redirect-to"]
  ) {
    assert.ok(usage().includes(flag), flag);
  }
});

Deno.test("cli: sim/main.ts --auth prints the login settings on stderr and serves the issuer", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      new URL("../../sim/main.ts", import.meta.url).pathname,
      "--",
      "--port",
      "0",
      "--flavor",
      "v8",
      "--auth",
      "--auto-approve",
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/ska-oso-oet\/oet\/api\/v8$/);
  const origin = new URL(url).origin;
  const refused = await fetch(`${url}/procedures/`);
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  const disco = await fetch(`${origin}/issuer/.well-known/openid-configuration`);
  assert.equal((await disco.json()).issuer, `${origin}/issuer`);
  child.kill("SIGINT");
  const status = await child.status;
  await child.stdout.cancel();
  const stderr = new TextDecoder().decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assert.equal(status.code, 0, stderr);
  assert.ok(
    stderr.includes(
      `export OET_AUTH_ISSUER=${origin}/issuer OET_AUTH_CLIENT_ID=oet-cli ` +
        "OET_AUTH_SCOPE='api://oet-sim/.default offline_access'",
    ),
    stderr,
  );
  assert.match(stderr, /approved automatically/);
});
