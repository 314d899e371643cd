/**
 * `oet doctor` in-process: every check green against the simulator in every
 * flavour, and each failure path with the exit code the issue asks for —
 * a refused connection and an unknown host (4), TLS with a private CA (4), a
 * root of another generation (1), an event stream that never opens (1), an
 * expired or refused token (5). Servers bind 127.0.0.1 on port 0; the only
 * time limits are doctor's own, shortened with --request-timeout where a
 * test waits for one to run out.
 */

import assert from "node:assert/strict";
import type { CommandContext } from "../../src/commands/framework/command_context.ts";
import { CHECK_NAMES } from "../../src/commands/doctor/check.ts";
import { checkConfiguration } from "../../src/commands/doctor/configuration.ts";
import { checkProxy, proxyRoute } from "../../src/commands/doctor/proxy.ts";
import type { Env, EnvName } from "../../src/config/config.ts";
import { runOet, type RunResult } from "../support/cli.ts";
import { assertGolden } from "../support/golden.ts";
import { makeTestCa } from "../support/reliability.ts";
import { closedPort } from "../support/sockets.ts";
import { makeJwt } from "../support/auth_fakes.ts";
import { HttpDouble, json, type SeenRequest } from "../support/http_double.ts";
import { withSim } from "../support/sim.ts";
import { runOetProcess, which } from "../support/spawn.ts";
import { until } from "../support/wait.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const NO_OPENSSL = which("openssl") ? undefined : "openssl is not on PATH to make a test CA";

/** stdout, stderr and the exit code as one text, with the varying origin replaced. */
function transcript(r: { code: number; stdout: string; stderr: string }, origin: string): string {
  const text = `${r.stdout}[stderr]\n${r.stderr}[exit ${r.code}]\n`;
  return text.replaceAll(origin, "http://127.0.0.1:PORT")
    .replaceAll(origin.replace("http:", "https:"), "https://127.0.0.1:PORT")
    .replaceAll(new URL(origin).host, "127.0.0.1:PORT");
}

/** The line of one check (its mark, name and detail). */
function line(stdout: string, label: string): string {
  const found = stdout.split("\n").find((l) => l.slice(2).startsWith(`${label} `));
  assert.ok(found !== undefined, `no ${label} line in:\n${stdout}`);
  return found;
}

/** The `-o json` report, with its shape checked. */
function report(r: RunResult): {
  server_url: string | null;
  server_url_source: string | null;
  generation: string | null;
  ok: boolean;
  checks: { name: string; ok: boolean | null; detail: string; hint: string | null }[];
} {
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc), [
    "server_url",
    "server_url_source",
    "context",
    "telescope",
    "protected",
    "generation",
    "ok",
    "checks",
  ]);
  assert.deepEqual(doc.checks.map((c: { name: string }) => c.name), [...CHECK_NAMES]);
  for (const c of doc.checks) assert.deepEqual(Object.keys(c), ["name", "ok", "detail", "hint"]);
  return doc;
}

const GENERATIONS = { v5: "5", v6: "6", v7: "7", v8: "8" } as const;

for (const flavor of ["v5", "v6", "v7", "v8"] as const) {
  Deno.test(`doctor against a ${flavor} simulator: every check passes, exit 0`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await oet(["doctor"]);
      assertGolden(`doctor/ok-${flavor}`, transcript(r, sim.origin));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      // The stream was closed, then the server made to write to it (a GET of the list), so that
      // it frees the thread that served it.
      await until(() => sim.openStreams === 0, "the stream to close");
      const stream = sim.requests.findIndex((q) => q.path.endsWith("/stream"));
      assert.ok(stream >= 0, "the stream was opened");
      assert.ok(
        sim.requests.slice(stream + 1).some((q) =>
          q.method === "GET" && /\/procedures\/?$/.test(q.path)
        ),
        sim.requests.map((q) => q.path).join(" "),
      );

      const j = await oet(["doctor", "-o", "json"]);
      assert.equal(j.code, 0, j.stderr);
      const doc = report(j);
      assert.equal(doc.server_url, sim.baseUrl);
      assert.equal(doc.server_url_source, "OET_REST_URI in the environment");
      assert.equal(doc.generation, GENERATIONS[flavor]);
      assert.equal(doc.ok, true);
      assert.ok(doc.checks.every((c) => c.ok === true && c.hint === null), j.stdout);
    });
  });
}

Deno.test("doctor: a root of another generation names the right one; the stream is not tried; exit 1", async () => {
  const cases = [
    { flavor: "v8", path: "/ska-oso-oet/oet/api/v7", right: "/ska-oso-oet/oet/api/v8", gen: "8" },
    { flavor: "v7", path: "/api/v1.0", right: "/ska-oso-oet/oet/api/v7", gen: "7" },
    { flavor: "v5", path: "/ska-oso-oet/oet/api/v6", right: "/api/v1.0", gen: "5" },
    { flavor: "v6", path: "/ska-oso-oet/oet/api/v7", right: "/ska-oso-oet/oet/api/v6", gen: "6" },
  ] as const;
  for (const c of cases) {
    await withSim(c.flavor, async (sim) => {
      const env = { OET_REST_URI: `${sim.origin}${c.path}` };
      const r = await runOet(["doctor"], { env });
      if (c.flavor === "v8") assertGolden("doctor/wrong-generation", transcript(r, sim.origin));
      assert.equal(r.code, 1, `${c.flavor}: ${r.stderr}`);
      assert.equal(r.stderr, "error: 1 of 8 checks failed: api root\n");
      assert.match(line(r.stdout, "api root"), /^✗ api root +GET .* answered 404 /);
      assert.ok(r.stdout.includes(`→ set OET_REST_URI to ${sim.origin}${c.right}\n`), r.stdout);
      assert.match(line(r.stdout, "event stream"), /^– event stream +not checked/);
      assert.ok(!sim.requests.some((q) => q.path.endsWith("/stream")), "no stream was opened");
      const j = report(await runOet(["doctor", "-o", "json"], { env }));
      assert.equal(j.generation, c.gen);
      assert.equal(j.ok, false);
    });
  }
});

Deno.test("doctor: connection refused → tcp fails, later checks are not run, exit 4, one line on stderr", async () => {
  const port = closedPort();
  const r = await runOet(["doctor"], {
    env: { OET_REST_URI: `http://127.0.0.1:${port}/api/v1.0` },
  });
  assertGolden("doctor/refused", transcript(r, `http://127.0.0.1:${port}`));
  assert.equal(r.code, 4);
  assert.equal(r.stderr, "error: 1 of 8 checks failed: tcp\n");
  assert.match(line(r.stdout, "tcp"), /^✗ tcp +connection refused by 127\.0\.0\.1:\d+$/);
  for (const label of ["tls", "api root", "event stream", "authentication"]) {
    assert.match(line(r.stdout, label), /^– .* not checked: /);
  }
});

Deno.test("doctor: an unknown host → dns fails, exit 4", async () => {
  // .invalid never resolves (RFC 6761); a machine without DNS fails it by the time limit.
  const r = await runOet(["doctor", "--request-timeout", "3s"], {
    env: { OET_REST_URI: "http://oet.nonexistent.invalid:5000/ska-oso-oet/oet/api/v7" },
  });
  assert.equal(r.code, 4, r.stderr);
  assert.match(line(r.stdout, "dns"), /^✗ dns +cannot resolve oet\.nonexistent\.invalid: /);
  assert.match(
    r.stdout,
    /→ check the host name in the server URL \(from OET_REST_URI in the environment\)/,
  );
  assert.match(line(r.stdout, "tcp"), /^– tcp +not checked: the dns check failed$/);
  assert.equal(r.stderr, "error: 1 of 8 checks failed: dns\n");
});

/**
 * An https 5.x OET on loopback whose certificate a private test CA signed;
 * `reached`: whether the test's handshake succeeds (else any request fails it).
 */
async function withTlsOet(
  reached: boolean,
  fn: (url: string, caFile: string) => Promise<void>,
): Promise<void> {
  const ca = await makeTestCa();
  const server = new HttpDouble();
  if (reached) {
    server.stub({ url: "/api/v1.0/procedures", respond: json({ procedures: [] }), reusable: true })
      .eventStream();
  }
  server.listen({ cert: ca.cert, key: ca.key });
  try {
    await fn(`${server.origin}/api/v1.0`, ca.caFile);
  } finally {
    await ca.remove();
    await server.close();
  }
}

Deno.test({
  name: "doctor: TLS with a private CA fails with the CA variables as the way out (exit 4)",
  ignore: NO_OPENSSL !== undefined,
  async fn() {
    await withTlsOet(false, async (url) => {
      const r = await runOet(["doctor"], { env: { OET_REST_URI: url } });
      assertGolden(
        "doctor/tls-private-ca",
        transcript(r, new URL(url).origin.replace("https:", "http:")),
      );
      assert.equal(r.code, 4, r.stderr);
      assert.match(
        line(r.stdout, "tls"),
        /^✗ tls +the certificate of 127\.0\.0\.1:\d+ is signed by a CA this machine does not trust \(UnknownIssuer\)$/,
      );
      assert.match(
        r.stdout,
        /→ if the server uses a private CA, point NODE_EXTRA_CA_CERTS or DENO_CERT at its PEM file, or set DENO_TLS_CA_STORE=system\n/,
      );
      assert.match(line(r.stdout, "api root"), /^– api root +not checked: the tls check failed$/);
    });
  },
});

Deno.test({
  name:
    "doctor: TLS with the private CA in DENO_CERT passes (a real process: the runtime reads it at start)",
  ignore: NO_OPENSSL !== undefined,
  async fn() {
    await withTlsOet(true, async (url, caFile) => {
      const r = await runOetProcess(["doctor"], { env: { OET_REST_URI: url, DENO_CERT: caFile } });
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      assert.match(
        line(r.stdout, "tls"),
        /^✓ tls +handshake with 127\.0\.0\.1:\d+ done: .*its issuer and expiry are not available/,
      );
      assert.match(line(r.stdout, "api root"), /^✓ api root +answers as OET 5\.x /);
    });
  },
});

/** What a fake 7.x OET does with `GET …/stream`. */
type StreamMode = "opens" | "silent" | "never-answers";

/**
 * A 7.x-shaped OET (FastAPI's 307 to `procedures/`, a bare list, `stream`),
 * optionally behind SKA's AAA: no token is 401, a token without SW_ENGINEER
 * 403 (the redirect comes first, as FastAPI routes before it authenticates).
 */
async function withFakeV7(
  o: { stream?: StreamMode; aaa?: boolean },
  fn: (root: string, requests: () => string[]) => Promise<void>,
): Promise<void> {
  const root = "/ska-oso-oet/oet/api/v7";
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const detail = (status: number, text: string, headers: Record<string, string> = {}) =>
    Response.json({ detail: text }, { status, headers });
  /** AAA's answer to a request it refuses, or undefined. */
  const refusal = (req: SeenRequest): Response | undefined => {
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (!token) return detail(401, "Not authenticated", { "www-authenticate": "Bearer" });
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (!claims.roles?.includes("SW_ENGINEER")) return detail(403, "Forbidden");
  };
  const server = new HttpDouble([{
    // FastAPI's redirect to the collection with its slash.
    url: `${root}/procedures`,
    respond: (req) => new Response(null, { status: 307, headers: { location: `${req.url}/` } }),
    reusable: true,
  }]);
  if (o.aaa) {
    server.stub({
      method: "*",
      url: new RegExp(`${root}/(procedures/|stream)$`),
      when: (req) => refusal(req) !== undefined,
      respond: (req) => refusal(req)!,
      reusable: true,
    });
  }
  server.stub({ url: `${root}/procedures/`, respond: () => Response.json([]), reusable: true });
  if (o.stream === "never-answers") {
    server.stub({
      url: `${root}/stream`,
      respond: async () => {
        await released;
        return new Response("");
      },
      reusable: true,
    });
  } else server.eventStream({ silent: o.stream === "silent" });
  server.listen();
  try {
    await fn(`${server.origin}${root}`, () => server.requests.map((r) => r.path));
  } finally {
    release();
    await server.close();
  }
}

Deno.test("doctor: an event stream whose first bytes never come (a buffering proxy) → exit 1", async () => {
  await withFakeV7({ stream: "silent" }, async (url, requests) => {
    const r = await runOet(["doctor", "--request-timeout", "3s"], { env: { OET_REST_URI: url } });
    assertGolden("doctor/stream-silent", transcript(r, new URL(url).origin));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "error: 1 of 8 checks failed: event stream\n");
    assert.match(
      line(r.stdout, "event stream"),
      /^✗ event stream +.*\/stream answered 200, but no bytes followed within 3 s$/,
    );
    assert.match(r.stdout, /→ a proxy or ingress in front of the OET is buffering the stream/);
    // The stream was closed, then the server made to write (a GET of the list).
    const stream = requests().findIndex((p) => p.endsWith("/stream"));
    assert.ok(
      requests().slice(stream + 1).some((p) => p.endsWith("/procedures/")),
      requests().join(),
    );
  });
});

Deno.test("doctor: an event stream that never answers → exit 1, the threads named", async () => {
  await withFakeV7({ stream: "never-answers" }, async (url) => {
    const r = await runOet(["doctor", "--request-timeout", "3s"], { env: { OET_REST_URI: url } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      line(r.stdout, "event stream"),
      /^✗ event stream +no answer to GET .*\/stream within 3 s$/,
    );
    assert.match(r.stdout, /→ every open event stream holds a server thread/);
  });
});

const NOW = Date.UTC(2026, 10, 29, 21, 0, 0);
/** A clock from NOW, in real time (sleeps are real): expiry texts stay the same from run to run. */
const fromNow = () => new VirtualClock(NOW, { realTime: true });

function token(expSeconds: number, extra: Record<string, unknown> = {}): string {
  return makeJwt({
    exp: expSeconds,
    aud: "api://oet",
    iss: "https://login.example.org/tenant/v2.0",
    name: "Ada Lovelace",
    preferred_username: "ada@example.org",
    roles: ["SW_ENGINEER"],
    scp: "activity:read procedure:execute",
    ...extra,
  });
}

Deno.test("doctor: an expired token → authentication fails, nothing is sent, exit 5", async () => {
  await withSim("v7", async (sim, oet) => {
    const r = await oet(["doctor"], {
      env: { OET_TOKEN: token(NOW / 1000 - 180) },
      clock: fromNow(),
    });
    assertGolden("doctor/expired-token", transcript(r, sim.origin));
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stderr, "error: 1 of 8 checks failed: authentication\n");
    assert.match(
      line(r.stdout, "authentication"),
      /expired at 2026-11-29 20:57:00 UTC \(3 min ago\), so oet sends no request with it$/,
    );
    assert.match(
      r.stdout,
      /→ the token came from OET_TOKEN in the environment: set it to a new token/,
    );
    assert.equal(sim.requests.length, 0, "oet sent nothing with an expired token");
  });
});

Deno.test("doctor: a valid token against a server without AAA: token, roles, scopes and clocks shown", async () => {
  await withSim("v7", async (_sim, oet) => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const r = await oet(["doctor"], { env: { OET_TOKEN: token(exp) } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      line(r.stdout, "authentication"),
      /^✓ authentication the server answers requests with the token: token from OET_TOKEN in the environment for Ada Lovelace \(ada@example\.org\), expires .* UTC \(in (59 min|1 h)\); role SW_ENGINEER, scopes activity:read procedure:execute; clocks agree \(within 2 s\)$/,
    );
  });
});

Deno.test("doctor: a server behind AAA — no token (401), too few rights (403), a good token", async () => {
  await withFakeV7({ stream: "opens", aaa: true }, async (url) => {
    const env = { OET_REST_URI: url };
    const none = await runOet(["doctor"], { env });
    assert.equal(none.code, 5, none.stderr);
    assert.match(
      line(none.stdout, "api root"),
      /^✓ api root +answers as OET 7\.x .*asks for a token/,
    );
    assert.match(line(none.stdout, "event stream"), /^– event stream +not checked: authentication/);
    assert.match(
      line(none.stdout, "authentication"),
      /^✗ authentication not authenticated: no token was sent, and the server asks for one \(HTTP 401/,
    );
    assert.match(none.stdout, /→ log in with: oet auth login/);

    const exp = Math.floor(Date.now() / 1000) + 3600;
    const weak = await runOet(["doctor"], {
      env: { ...env, OET_TOKEN: token(exp, { roles: ["LOW_TELESCOPE_OPERATOR_X"] }) },
    });
    assert.equal(weak.code, 5, weak.stderr);
    assert.match(
      line(weak.stdout, "authentication"),
      /^✗ authentication not allowed: GET \/procedures/,
    );

    const good = await runOet(["doctor"], { env: { ...env, OET_TOKEN: token(exp) } });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(line(good.stdout, "event stream"), /^✓ event stream/);
  });
});

Deno.test("doctor: a clock 10 minutes off the server's fails authentication when a token is in use", async () => {
  await withSim("v7", async (_sim, oet) => {
    const ahead = new VirtualClock(Date.now() + 600_000, { realTime: true });
    const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
    const r = await oet(["doctor"], { env: { OET_TOKEN: token(exp) }, clock: ahead });
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      line(r.stdout, "authentication"),
      /this machine's clock is 10 min( \d+ s)? ahead of the server's$/,
    );
    assert.match(r.stdout, /→ set this machine's clock \(NTP\)/);
    // Without a token the clock does not matter, and is not mentioned.
    const plain = await oet(["doctor"], { clock: ahead });
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /clock/);
  });
});

Deno.test("doctor: an invalid setting fails the configuration check; nothing else runs, exit 1", async () => {
  const r = await runOet(["doctor"], { env: { OET_REST_URI: "ftp://oet.example.org/api/v1.0" } });
  assert.equal(r.code, 1);
  assert.match(
    line(r.stdout, "configuration"),
    /^✗ configuration +server URL "ftp:\/\/oet\.example\.org\/api\/v1\.0" \(from OET_REST_URI in the environment\) is not http:\/\/ or https:\/\/$/,
  );
  assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("– ")).length, 7, r.stdout);
  assert.equal(r.stderr, "error: 1 of 8 checks failed: configuration\n");
  const j = report(await runOet(["doctor", "-o", "json"], { env: { OET_REST_URI: "ftp://x" } }));
  assert.equal(j.server_url, null);
  assert.equal(j.generation, null);
});

Deno.test("doctor: a .env file names the server, and the report says so", async () => {
  await withSim("v6", async (sim) => {
    const r = await runOet(["doctor", "-o", "json"], {
      files: { ".env": `OET_REST_URI=${sim.baseUrl}\n` },
    });
    assert.equal(r.code, 0, r.stderr);
    const doc = report(r);
    assert.equal(doc.server_url_source, "OET_REST_URI in .env");
    assert.match(doc.checks[0].detail, /\(from OET_REST_URI in \.env\)/);
  });
});

Deno.test("doctor: a 5.x server wedged by event streams → the API root times out, threads named, exit 4", async () => {
  await withSim("v5", async (sim, oet) => {
    // Four streams hold waitress's four threads (docs/servers.md, "The wedge").
    const held = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const res = await fetch(`${sim.baseUrl}/stream`);
        const reader = res.body!.getReader();
        await reader.read();
        return reader;
      }),
    );
    try {
      await until(
        () => sim.state.workers().heldByStreams === 4,
        "four streams to hold the threads",
      );
      const r = await oet(["doctor", "--request-timeout", "3s"]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(line(r.stdout, "tcp"), /^✓ tcp /);
      assert.match(
        line(r.stdout, "api root"),
        /^✗ api root +no answer from 127\.0\.0\.1:\d+ within 3 s/,
      );
      assert.match(r.stdout, /a 5\.x\/6\.x server whose 4 threads are all held by event streams/);
      assert.equal(r.stderr, "error: 1 of 8 checks failed: api root\n");
    } finally {
      for (const reader of held) await reader.cancel();
    }
  }, { stepMs: 5, workers: 4 });
});

/** The settings part of a command context, for the configuration check alone. */
function settings(
  env: Env,
  o: { dotenv?: EnvName[]; serverUrl?: string; requestTimeout?: string } = {},
): CommandContext["settings"] {
  return {
    env,
    fromDotEnv: new Set(o.dotenv ?? []),
    serverUrl: o.serverUrl,
    requestTimeout: o.requestTimeout,
  };
}

Deno.test("doctor configuration: says where the URL and the timeouts came from", () => {
  const v6 = "http://oet:5000/ska-oso-oet/oet/api/v6";
  const cases: [CommandContext["settings"], RegExp][] = [
    [
      settings({}),
      /^http:\/\/ska-oso-oet-rest:5000\/api\/v1\.0 \(the default: no flag, environment variable, \.env or context names a server\); request timeout 35 s, reconnect window 1 min$/,
    ],
    [
      settings({ OET_REST_URI: v6 }),
      /^http:\/\/oet:5000\/ska-oso-oet\/oet\/api\/v6 \(from OET_REST_URI in the environment\);/,
    ],
    [settings({ OET_URL: v6 }), /\(from OET_URL in the environment\);/],
    [
      settings({ OET_REST_URI: v6 }, { dotenv: ["OET_REST_URI"] }),
      /\(from OET_REST_URI in \.env\);/,
    ],
    [
      settings({ OET_REST_URI: v6 }, { serverUrl: "https://x.example.org/api/v7/" }),
      /^https:\/\/x\.example\.org\/api\/v7 \(from --server-url\);/,
    ],
    [
      settings({ OET_REQUEST_TIMEOUT: "10s", OET_RECONNECT_TIMEOUT: "5m" }, {
        dotenv: ["OET_RECONNECT_TIMEOUT"],
      }),
      /; request timeout 10 s \(from OET_REQUEST_TIMEOUT in the environment\), reconnect window 5 min \(from OET_RECONNECT_TIMEOUT in \.env\)$/,
    ],
    [
      settings({}, { requestTimeout: "90" }),
      /request timeout 1 min 30 s \(from --request-timeout\)/,
    ],
  ];
  for (const [s, want] of cases) {
    const { result, config } = checkConfiguration(s);
    assert.equal(result.ok, true, result.detail);
    assert.ok(config);
    assert.match(result.detail, want);
  }
  const bad = checkConfiguration(settings({ OET_REQUEST_TIMEOUT: "soon" }));
  assert.equal(bad.result.ok, false);
  assert.match(
    bad.result.detail,
    /invalid duration "soon" \(from OET_REQUEST_TIMEOUT in the environment\)/,
  );
});

Deno.test("doctor proxy: the runtime's rules, as measured with Deno 2.9.6", () => {
  const https = new URL("https://oet.example.org/ska-oso-oet/oet/api/v7");
  const local = new URL("http://127.0.0.1:5000/api/v1.0");
  const via = (env: Env, url: URL) => proxyRoute(env, url).via?.name;
  // ALL_PROXY wins; upper case wins over lower case; each scheme has its own.
  assert.equal(via({ ALL_PROXY: "http://a:1", HTTPS_PROXY: "http://b:1" }, https), "ALL_PROXY");
  assert.equal(via({ HTTPS_PROXY: "http://b:1", https_proxy: "http://c:1" }, https), "HTTPS_PROXY");
  assert.equal(via({ HTTP_PROXY: "http://b:1" }, https), undefined);
  assert.equal(via({ http_proxy: "proxy:3128" }, local), "http_proxy");
  // An unusable upper-case value falls back to the lower-case one, and is reported.
  const ftp = proxyRoute({ HTTP_PROXY: "ftp://x", http_proxy: "http://p:1" }, local);
  assert.equal(ftp.via?.name, "http_proxy");
  assert.deepEqual(ftp.ignored.map((i) => i.name), ["HTTP_PROXY"]);
  // A user name without a password makes the runtime ignore the proxy.
  assert.equal(via({ HTTP_PROXY: "http://bob@p:1" }, local), undefined);
  assert.equal(via({ HTTP_PROXY: "http://bob:pw@p:1" }, local), "HTTP_PROXY");
  // NO_PROXY: addresses and networks cover addresses, names cover names and subdomains.
  assert.equal(via({ HTTP_PROXY: "http://p:1", NO_PROXY: "127.0.0.0/8" }, local), undefined);
  assert.equal(via({ HTTP_PROXY: "http://p:1", NO_PROXY: "localhost" }, local), "HTTP_PROXY");
  assert.equal(via({ HTTPS_PROXY: "http://p:1", NO_PROXY: "example.org" }, https), undefined);
  assert.equal(via({ HTTPS_PROXY: "http://p:1", NO_PROXY: ".example.org" }, https), undefined);
  assert.equal(via({ HTTPS_PROXY: "http://p:1", NO_PROXY: "ample.org" }, https), "HTTPS_PROXY");
  // `*` covers names, not addresses; NO_PROXY set (even empty) hides no_proxy.
  assert.equal(via({ HTTPS_PROXY: "http://p:1", NO_PROXY: "*" }, https), undefined);
  assert.equal(via({ HTTP_PROXY: "http://p:1", NO_PROXY: "*" }, local), "HTTP_PROXY");
  assert.equal(
    via({ HTTP_PROXY: "http://p:1", NO_PROXY: "", no_proxy: "127.0.0.1" }, local),
    "HTTP_PROXY",
  );
  assert.equal(via({ HTTP_PROXY: "http://p:1", no_proxy: "127.0.0.1" }, local), undefined);
  const v6 = new URL("http://[::1]:5000/api/v1.0");
  assert.equal(via({ HTTP_PROXY: "http://p:1", NO_PROXY: "::1" }, v6), undefined);
  assert.equal(via({ HTTP_PROXY: "http://p:1", NO_PROXY: "::/0" }, v6), undefined);

  // The check: passes for what works, fails for what the runtime ignores or a proxy breaks.
  assert.equal(
    checkProxy(proxyRoute({}, local), local, true).detail,
    "no proxy is set: requests go straight to the server",
  );
  const star = checkProxy(
    proxyRoute({ HTTP_PROXY: "http://p:1", NO_PROXY: "*" }, local),
    local,
    true,
  );
  assert.equal(star.ok, false);
  assert.match(star.detail, /NO_PROXY=\* covers host names, not IP addresses such as 127\.0\.0\.1/);
  assert.equal(star.hint, "add 127.0.0.1 to NO_PROXY");
  const bad = checkProxy(proxyRoute({ HTTPS_PROXY: "ftp://x" }, https), https, true);
  assert.equal(bad.ok, false);
  assert.match(
    bad.detail,
    /HTTPS_PROXY=ftp:\/\/x is ignored: ftp:\/\/ is not a proxy scheme Deno knows/,
  );
  const hidden = checkProxy(proxyRoute({ HTTPS_PROXY: "http://u:secret@p:1" }, https), https, true);
  assert.equal(hidden.ok, true);
  assert.doesNotMatch(hidden.detail, /secret/);
});

Deno.test("doctor: a proxy in the environment is the first hop; NO_PROXY sends the server direct", async () => {
  await withSim("v5", async (sim, oet) => {
    const port = closedPort();
    const proxied = await oet(["doctor"], { env: { HTTP_PROXY: `http://127.0.0.1:${port}` } });
    assert.equal(proxied.code, 4, proxied.stderr);
    assert.match(
      line(proxied.stdout, "tcp"),
      new RegExp(
        `^✗ tcp +connection refused by the proxy 127\\.0\\.0\\.1:${port} \\(HTTP_PROXY\\)$`,
      ),
    );
    assert.match(line(proxied.stdout, "proxy"), /^✗ proxy .*a proxy reaches its own 127\.0\.0\.1/);
    assert.match(proxied.stdout, /→ add 127\.0\.0\.1 to NO_PROXY\n/);

    const direct = await oet(["doctor"], {
      env: { HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: "127.0.0.1,localhost" },
    });
    assert.equal(direct.code, 0, direct.stdout + direct.stderr);
    assert.match(
      line(direct.stdout, "proxy"),
      /^✓ proxy +HTTP_PROXY=http:\/\/127\.0\.0\.1:\d+, NO_PROXY=127\.0\.0\.1,localhost: NO_PROXY covers 127\.0\.0\.1 \("127\.0\.0\.1"\), so requests go straight to the server$/,
    );
    assert.ok(sim.requests.length > 0);
  });
});

Deno.test("doctor: colour only when the stream may have it", async () => {
  await withSim("v7", async (_sim, oet) => {
    const plain = await oet(["doctor"], { tty: true });
    assert.ok(!plain.stdout.includes("\x1b["), plain.stdout);
    const coloured = await oet(["doctor"], { tty: true, colour: true });
    assert.ok(coloured.stdout.startsWith("\x1b[32m✓\x1b[0m configuration "), coloured.stdout);
  });
});
