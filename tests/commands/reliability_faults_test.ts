/**
 * The fault matrix, in-process: network failures, answers no OET should
 * give, a very long list, a stream cut mid-event and a server that goes
 * away while a command waits. Each checks the exit code of its row in
 * tests/support/fault_matrix.ts, one `error:` line with a `hint:` and no
 * stack trace (one check shows the stack with OET_DEBUG=1).
 */

import assert from "node:assert/strict";
import { runOet, startOet } from "../support/cli.ts";
import { faultTest } from "../support/fault_matrix.ts";
import { HttpDouble, json } from "../support/http_double.ts";
import { until } from "../support/wait.ts";
import { assertCleanError, assertNoStack, makeTestCa } from "../support/reliability.ts";
import { closedPort, readRequestHead, startRawServer } from "../support/sockets.ts";
import { FLAVORS, startSim, withSim } from "../support/sim.ts";
import { which } from "../support/spawn.ts";

const NO_OPENSSL = which("openssl") ? undefined : "openssl is not on PATH to make a test CA";

faultTest("refused", async (row) => {
  const port = closedPort();
  const env = { OET_REST_URI: `http://127.0.0.1:${port}/api/v1.0` };
  const r = await runOet(["procedure", "list"], { env });
  assertCleanError(r, {
    code: row.exit,
    cause: new RegExp(`^error: connection refused by 127\\.0\\.0\\.1:${port} \\(http://`),
    hint: /is the OET server running/,
  });
  // The one place a stack trace is wanted: OET_DEBUG=1.
  const debug = await runOet(["procedure", "list"], { env: { ...env, OET_DEBUG: "1" } });
  assert.equal(debug.code, row.exit);
  assert.match(debug.stderr, /^ConnectionError: connection refused/m);
  assert.match(debug.stderr, /^ {4}at .*src\/api\/http\.ts/m);
});

faultTest("dns", async (row) => {
  // .invalid never resolves (RFC 6761). A slow resolver would show up as a
  // timeout, not as this message, and cannot hang the run past 5 s.
  const r = await runOet([
    "procedure",
    "list",
    "--request-timeout",
    "5s",
    "--server-url",
    "http://oet.invalid:5000/api/v1.0",
  ]);
  assertCleanError(r, {
    code: row.exit,
    cause: /^error: cannot resolve host oet\.invalid \(http:\/\/oet\.invalid:5000\//,
    hint: /check the host name/,
  });
});

faultTest("closed-mid-body", async (row) => {
  const server = startRawServer(async (conn) => {
    await readRequestHead(conn);
    await conn.write(
      new TextEncoder().encode(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n" +
          '{"procedures": [{"history": {"process_states": [["CREATING", 1795476728.68',
      ),
    );
  });
  try {
    const r = await runOet(["procedure", "list"], {
      env: { OET_REST_URI: `http://127.0.0.1:${server.port}/api/v1.0` },
    });
    assertCleanError(r, {
      code: row.exit,
      cause: /the connection to 127\.0\.0\.1:\d+ was closed before the answer was complete/,
      hint: /the server may have restarted or crashed/,
    });
  } finally {
    await server.close();
  }
});

faultTest("slow-headers", async (row) => {
  await withSim("v7", async (sim, oet) => {
    sim.setFaults({ slowHeadersMs: 30_000 });
    const r = await oet(["procedure", "list", "--request-timeout", "300ms"]);
    assertCleanError(r, {
      code: row.exit,
      cause: /^error: no answer from 127\.0\.0\.1:\d+ within 300 ms \(http:/,
      hint: /raise --request-timeout/,
    });
    assert.equal(sim.requests.length, 1, "the request reached the server");
  });
});

faultTest("https-to-http", async (row) => {
  const ca = await makeTestCa();
  // No stub: any request to it fails the test.
  const plain = new HttpDouble().listen();
  const tls = new HttpDouble([{
    url: "/api/v1.0/procedures",
    respond: () =>
      new Response(null, {
        status: 301,
        headers: { location: `${plain.origin}/api/v1.0/procedures` },
      }),
  }]).listen({ cert: ca.cert, key: ca.key });
  // The in-process fetch trusts the test CA; the subprocess tests cover the env vars.
  const client = Deno.createHttpClient({ caCerts: [ca.caPem] });
  try {
    const r = await runOet(["procedure", "list"], {
      env: { OET_REST_URI: `${tls.origin}/api/v1.0` },
      fetch: (input, init) => fetch(input, { ...init, client }),
    });
    assertCleanError(r, {
      code: row.exit,
      cause: new RegExp(
        `redirected https://127\\.0\\.0\\.1:${new URL(tls.origin).port}/api/v1\\.0/procedures to ` +
          `http://127\\.0\\.0\\.1:${new URL(plain.origin).port}/api/v1\\.0/procedures, ` +
          "from https to http; refusing to follow",
      ),
      hint: /use the final URL in --server-url if it is trusted/,
    });
    assert.equal(plain.requests.length, 0, "the http URL was never requested");
  } finally {
    client.close();
    await ca.remove();
    // Both shut down, whichever fails its verify.
    await Promise.all([tls.close(), plain.close()]);
  }
}, { ignore: NO_OPENSSL });

faultTest("http-500-text", async (row) => {
  // The simulator's 7.x flavour answers an unhandled error as the real one:
  // text/plain "Internal Server Error".
  await withSim("v7", async (sim, oet) => {
    sim.setFaults({ fail500Next: 1 });
    const r = await oet(["procedure", "list"]);
    assertCleanError(r, {
      code: row.exit,
      cause: /^error: HTTP 500: Internal Server Error$/,
      hint: /failed without an OET error message; its log/,
    });
  });
});

faultTest("http-502-html", async (row) => {
  const page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n" +
    "</body>\r\n</html>\r\n";
  const proxy = new HttpDouble([{
    url: /\/ska-oso-oet\/oet\/api\/v7\/procedures\/?$/,
    reusable: true,
    respond: new Response(page, { status: 502, headers: { "content-type": "text/html" } }),
  }]).listen();
  try {
    const r = await runOet(["procedure", "list"], {
      env: { OET_REST_URI: `${proxy.origin}/ska-oso-oet/oet/api/v7` },
    });
    assertCleanError(r, {
      code: row.exit,
      cause: /^error: HTTP 502: 502 Bad Gateway$/,
      hint: /a proxy or gateway .* answered/,
    });
    assert.doesNotMatch(r.stderr, /<|nginx/);
  } finally {
    await proxy.close();
  }
});

faultTest("not-json", async (row) => {
  const login = new HttpDouble([{
    url: "/api/v1.0/procedures",
    reusable: true,
    respond: new Response(
      "<!DOCTYPE html>\n<html><title>Sign in</title><body>SSO</body></html>",
      { headers: { "content-type": "text/html; charset=utf-8" } },
    ),
  }]).listen();
  try {
    const r = await runOet(["procedure", "list"], {
      env: { OET_REST_URI: `${login.origin}/api/v1.0` },
    });
    assertCleanError(r, {
      code: row.exit,
      cause: /gave 200 with a body that is not JSON \(text\/html; charset=utf-8: "<!DOCTYPE html>/,
      hint: /the OET API root, or is a proxy answering instead\?/,
    });
  } finally {
    await login.close();
  }
  // A JSON answer cut short (the simulator's malformed-JSON switch).
  await withSim("v5", async (sim, oet) => {
    sim.setFaults({ malformedJson: 1 });
    const r = await oet(["procedure", "list"]);
    assertCleanError(r, {
      code: row.exit,
      cause: /gave 200 with JSON that does not parse \(cut short\?\)/,
      hint: /ended the answer early; retry/,
    });
  });
});

faultTest("wrong-shape", async (row) => {
  const bodies: [string[], string, unknown, RegExp][] = [
    [
      ["procedure", "list"],
      "procedures",
      { procedures: "none" },
      /procedures should be a list, got string/,
    ],
    [
      ["procedure", "list"],
      "procedures",
      { procedures: [{ id: 1 }] },
      /procedures\[0\]\.\w+ is missing/,
    ],
    [
      ["procedure", "describe", "--pid", "1"],
      "procedures/1",
      [1, 2],
      /procedure should be an object, got a list/,
    ],
    [["activity", "list"], "activities", { activities: [{ uri: 7 }] }, /activities\[0\]\.\w+ /],
  ];
  for (const [args, path, body, cause] of bodies) {
    const server = new HttpDouble([{ url: `/api/v1.0/${path}`, respond: json(body) }]).listen();
    // activity list reads the procedures beside the activities (at once, so
    // in either order): those are fine.
    if (args[0] === "activity") {
      server.stub({
        url: "/api/v1.0/procedures",
        respond: json({ procedures: [] }),
        reusable: true,
      });
    }
    try {
      const r = await runOet(args, { env: { OET_REST_URI: `${server.origin}/api/v1.0` } });
      assertCleanError(r, { code: row.exit, cause, hint: /OET 5\.x, 6\.x or 7\.x/ });
    } finally {
      await server.close();
    }
  }
});

faultTest("odd-pickle", async (row) => {
  const server = new HttpDouble([{
    // After the stream closes, listen reads the list twice (5.x frees its thread so).
    url: "/api/v1.0/procedures",
    respond: json({ procedures: [] }),
    reusable: true,
  }]).eventStream().listen();
  try {
    const listening = startOet(["listen", "-o", "jsonl"], {
      env: { OET_REST_URI: `${server.origin}/api/v1.0` },
    });
    await until(() => server.openStreams === 1, "listen to subscribe");
    // jsonpickle writes an object that points back at itself as a py/id.
    server.emit({
      topic: "user.script.announce",
      msg_src: "3",
      msg: { "py/object": "scan.Scan", "id": 1, "parent": { "py/id": 0 } },
    });
    server.emit({ topic: "user.script.announce", msg_src: "3", msg: { "py/b64": "not base64!" } });
    server.emit({ topic: "request.procedure.list", msg_src: "FlaskWorker", pids: null });
    await listening.until(/request\.procedure\.list/);
    const r = await listening.interrupt();
    assert.equal(r.code, row.exit, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).data), [
      { msg: { id: 1, parent: null } },
      { msg: "not base64!" },
      { pids: null },
    ]);
    const streams = server.requests.filter((q) => q.path.endsWith("/stream"));
    assert.equal(streams.length, 1, "one stream, never reopened");
  } finally {
    await server.close();
  }
});

faultTest("list-10000", async (row) => {
  const procedures = Array.from({ length: 10_000 }, (_, i) => ({
    id: i + 1,
    script: { script_uri: `file:///scripts/scan_${i + 1}.py`, script_type: "filesystem" },
    script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
    history: {
      process_states: [["CREATING", 1795477633.04679 + i], ["READY", 1795477633.552697 + i]],
      stacktrace: null,
    },
    state: i % 2 ? "READY" : "COMPLETE",
    uri: `http://localhost/ska-oso-oet/oet/api/v7/procedures/${i + 1}`,
  }));
  const body = JSON.stringify(procedures);
  const server = new HttpDouble([{
    url: /\/ska-oso-oet\/oet\/api\/v7\/procedures\/?$/,
    reusable: true,
    respond: () => new Response(body, { headers: { "content-type": "application/json" } }),
  }]).listen();
  try {
    const env = { OET_REST_URI: `${server.origin}/ska-oso-oet/oet/api/v7` };
    const started = performance.now();
    const r = await runOet(["procedure", "list"], { env });
    const ms = performance.now() - started;
    assert.equal(r.code, row.exit, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.split("\n");
    assert.equal(lines.length, 10_003); // header, rule, 10,000 rows, the final newline
    assert.match(lines[0], /^ {3}ID {2}Script +Creation time {8}State$/);
    assert.match(
      lines[10_001],
      /^10000 {2}file:\/\/\/scripts\/scan_10000\.py {2}\S+ \S+ {2}READY$/,
    );
    // How fast is the bench's business (deno task bench, case 5: linear up to 10,000 rows);
    // here only a bound that no quadratic table could meet on any machine.
    assert.ok(ms < 20_000, `the 10,000-row table took ${ms} ms`);
    const j = await runOet(["procedure", "list", "-o", "json"], { env });
    assert.equal(j.code, row.exit, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout), procedures);
  } finally {
    await server.close();
  }
});

const SBD: Record<string, string> = {
  v5: "sbd-mvp01-20200325-00001",
  v7: "sbd-t0001-20250403-00001",
};

faultTest("stream-cut-mid-event", async (row) => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (sim, oet) => {
      // Every stream is cut in the middle of its third event, again and again.
      sim.setFaults({ dropStreamAfter: 2 });
      const r = await oet(["activity", "run", "observe", SBD[flavor], "-o", "jsonl"]);
      assert.equal(r.code, row.exit, r.stderr);
      const lines = r.stdout.trimEnd().split("\n");
      const objects = lines.map((l) => JSON.parse(l)); // a half event would not parse
      // The result line is the activity, with the state derived from its procedure.
      assert.equal(objects.at(-1).activity_name, "observe");
      assert.equal(objects.at(-1).derived_state, "COMPLETE");
      assert.match(r.stderr, /the event stream broke|closed the event stream/);
      assert.match(
        r.stderr,
        /may be missing \(the (event stream broke|server closed the event stream); reconnected\)/,
      );
      assert.doesNotMatch(r.stderr, /^error:/m);
      assertNoStack(r.stderr);
      const opened = sim.requests.filter((q) => q.path.endsWith("/stream")).length;
      assert.ok(opened > 1, `the stream was reopened (${opened} opens)`);
    }, 20);
  }
});

faultTest("server-gone-start", async (row) => {
  for (const flavor of FLAVORS) {
    const sim = startSim({ flavor, stepMs: 5 });
    try {
      const env = { OET_REST_URI: sim.baseUrl, OET_RECONNECT_TIMEOUT: "500ms" };
      assert.equal(
        (await runOet(["procedure", "create", "file:///scripts/loop.py"], { env })).code,
        0,
      );
      const pending = runOet(["procedure", "start"], { env });
      // Waiting for sure: the start was answered and the state read again after it.
      await until(() => {
        const put = sim.requests.findIndex((q) => q.method === "PUT" && q.status === 200);
        return put >= 0 &&
          sim.requests.slice(put + 1).some((q) => q.method === "GET" && /\/1$/.test(q.path));
      }, "start to be answered and followed");
      const closedAt = performance.now();
      await sim.close();
      const r = await pending;
      const ms = performance.now() - closedAt;
      // (stdout has the row and the events printed before the server went away)
      assertCleanError({ ...r, stdout: "" }, {
        code: row.exit,
        cause: /^error: lost the server while waiting for procedure 1; its outcome is unknown: /,
        hint: /oet procedure wait --pid 1/,
      });
      assert.match(r.stderr, /connection refused/);
      assert.ok(ms < 10_000, `ended ${ms} ms after the server went away`);
    } finally {
      await sim.close();
    }
  }
});
