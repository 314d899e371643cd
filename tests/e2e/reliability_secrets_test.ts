/**
 * Credentials in the server URL (`https://user:pass@host/…`), from the flag,
 * OET_REST_URI or `.env`, never appear in anything oet prints: errors,
 * hints, notes, OET_DEBUG=api traces and OET_DEBUG=1 stack traces, for every
 * kind of failure that names a URL. In-process for the breadth of cases, and
 * as real processes for the real stack traces and the real `.env`.
 */

import assert from "node:assert/strict";
import { startSim } from "../support/sim.ts";
import { runOet, type RunOptions, type RunResult, startOet } from "../support/cli.ts";
import { faultTest } from "../support/fault_matrix.ts";
import { HttpDouble, json } from "../support/http_double.ts";
import { closedPort } from "../support/sockets.ts";
import { runOetProcess } from "../support/spawn.ts";

const USER = "alice.oet";
const PASSWORD = "s3cr3t-Pa55";
const CREDENTIALS = `${USER}:${PASSWORD}@`;
/** What would leak, in any form: the user, the password, or the Basic header. */
const LEAKS = [USER, PASSWORD, encodeURIComponent(PASSWORD), btoa(`${USER}:${PASSWORD}`)];

function withCredentials(url: string): string {
  return url.replace("://", `://${CREDENTIALS}`);
}

function assertNoSecret(r: { stdout: string; stderr: string }, what: string): void {
  for (const secret of LEAKS) {
    assert.ok(
      !r.stdout.includes(secret) && !r.stderr.includes(secret),
      `${what} shows ${JSON.stringify(secret)}:\n${r.stdout}${r.stderr}`,
    );
  }
}

const DEBUG = ["", "api", "1"] as const;

/** Runs `args` with the URL given by the flag, OET_REST_URI and .env, in each debug mode. */
async function everyWay(
  url: string,
  args: string[],
  check: (r: RunResult, what: string) => void,
  o: RunOptions = {},
): Promise<void> {
  for (const debug of DEBUG) {
    const env = debug ? { OET_DEBUG: debug } : {};
    const ways: [string, RunOptions][] = [
      ["--server-url", { env }],
      ["OET_REST_URI", { env: { ...env, OET_REST_URI: url } }],
      [".env", { env, files: { ".env": `OET_REST_URI=${url}\n` } }],
    ];
    for (const [how, options] of ways) {
      const r = await runOet(how === "--server-url" ? ["--server-url", url, ...args] : args, {
        ...o,
        ...options,
        env: { ...o.env, ...options.env },
      });
      const what = `${args.join(" ")} (URL from ${how}, OET_DEBUG=${debug})`;
      assertNoSecret(r, what);
      check(r, what);
    }
  }
}

faultTest("credentials-in-url", async (row) => {
  // Unreachable: refused, no DNS answer, no answer in time.
  const refused = withCredentials(`http://127.0.0.1:${closedPort()}/api/v1.0`);
  await everyWay(refused, ["procedure", "list"], (r, what) => {
    assert.equal(r.code, row.exit, what);
    assert.match(r.stderr, /connection refused by 127\.0\.0\.1:\d+ \(http:\/\/127\.0\.0\.1:/, what);
  });
  await everyWay(
    withCredentials("https://oet.invalid/ska/api/v7"),
    ["procedure", "list"],
    (r, w) => {
      assert.equal(r.code, row.exit, w);
      assert.match(r.stderr, /cannot resolve host oet\.invalid \(https:\/\/oet\.invalid\/ska/, w);
    },
  );
  const sim = startSim({ flavor: "v7", stepMs: 5, faults: { slowHeadersMs: 10_000 } });
  try {
    await everyWay(withCredentials(sim.baseUrl), ["procedure", "list"], (r, what) => {
      assert.equal(r.code, 4, what);
      assert.match(r.stderr, /no answer from 127\.0\.0\.1:\d+ within 200 ms/, what);
    }, { env: { OET_REQUEST_TIMEOUT: "200ms" } });
  } finally {
    await sim.close();
  }

  // Answers that name the URL in the message or the hint; an OK answer under OET_DEBUG=api.
  let mode = "ok";
  const server = new HttpDouble([{
    url: "/api/v1.0/procedures",
    reusable: true,
    respond: () => {
      if (mode === "404") return json({ detail: "Not Found" }, 404);
      if (mode === "html") return new Response("<html>proxy</html>", { status: 200 });
      return json({ procedures: [] });
    },
  }]).listen();
  try {
    const url = withCredentials(`${server.origin}/api/v1.0`);
    const expected: Record<string, [number, RegExp]> = {
      ok: [0, /^$|^> GET http:\/\/127\.0\.0\.1/],
      "404": [1, /hint: this looks like an OET 7 server/],
      html: [1, /hint: is http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0 the OET API root/],
    };
    for (const [m, [code, pattern]] of Object.entries(expected)) {
      mode = m;
      await everyWay(url, ["procedure", "list"], (r, what) => {
        assert.equal(r.code, code, what);
        assert.match(r.stderr, pattern, what);
      });
    }
    // The Basic credentials did reach the server: only the output is clean.
    assert.ok(server.requests.length > 0);
  } finally {
    await server.close();
  }

  // A URL that cannot be parsed (a "/" in the password) is not echoed with it.
  for (const bad of [`https://${USER}:${PASSWORD}/x@host/api`, `${USER}:${PASSWORD}@host/api`]) {
    const r = await runOet(["--server-url", bad, "procedure", "list"]);
    assert.equal(r.code, 2, r.stderr);
    assertNoSecret(r, bad);
    assert.match(r.stderr, /server URL "(https:\/\/)?host\/api" \(from --server-url\)/);
  }
});

Deno.test("credentials in the URL: not in notes while listening or waiting, nor when the server is lost", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  const env = {
    OET_REST_URI: withCredentials(sim.baseUrl),
    OET_RECONNECT_TIMEOUT: "300ms",
    OET_DEBUG: "api",
  };
  try {
    const listening = startOet(["listen"], { env, tty: true });
    // The note comes after the stream opened: wait for the note itself (under
    // load, the server saw the stream long before oet printed it).
    await listening.untilErr(/listening to /);
    const listened = await listening.interrupt();
    assert.match(listened.stderr, /listening to http:\/\/127\.0\.0\.1:\d+\/ska-oso-oet/);
    assertNoSecret(listened, "listen");

    await runOet(["procedure", "create", "file:///scripts/loop.py"], { env });
    const waiting = startOet(["procedure", "start"], { env, tty: true });
    await waiting.until(/RUNNING/);
    await sim.close();
    const lost = await waiting.done;
    assert.equal(lost.code, 4, lost.stderr);
    assert.match(lost.stderr, /lost the server while waiting for procedure 1/);
    assertNoSecret(lost, "start, then the server goes away");
  } finally {
    await sim.close();
  }
});

Deno.test("credentials in the URL: a real process, its stack traces and its .env", async () => {
  const port = closedPort();
  const traced = await runOetProcess(["procedure", "list"], {
    env: { OET_REST_URI: withCredentials(`http://127.0.0.1:${port}/api/v1.0`), OET_DEBUG: "1" },
  });
  assert.equal(traced.code, 4, traced.stderr);
  assert.match(traced.stderr, /^ {4}at /m, "OET_DEBUG=1 printed the stack trace");
  assertNoSecret(traced, "OET_DEBUG=1");
  const dir = await Deno.makeTempDir({ prefix: "oet-env-" });
  try {
    await Deno.writeTextFile(
      `${dir}/.env`,
      `OET_REST_URI=${withCredentials("https://oet.invalid/api/v1.0")}\nOET_DEBUG=api\n`,
    );
    const fromFile = await runOetProcess(["procedure", "list"], { cwd: dir });
    assert.equal(fromFile.code, 4, fromFile.stderr);
    assert.match(fromFile.stderr, /^> GET https:\/\/oet\.invalid\/api\/v1\.0\/procedures$/m);
    assertNoSecret(fromFile, ".env");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
