/**
 * Rough edges found by trying `oet` as a new user would (README only) and by
 * the second live run against real OET 5.4.0, 6.6.0 and 7.0.0
 * (2026-12-07): each has one rule, and a test here that holds it.
 */

import assert from "node:assert/strict";
import { runOet } from "../support/cli.ts";
import { withSim } from "../support/sim.ts";

// 1. The typo guard: one slip for a short option, two for a longer one.

Deno.test("near-miss: --sbd, --big and --git reach the script (two edits from --pid)", async () => {
  await withSim("v7", async (sim, oet) => {
    const c = await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
    assert.equal(c.code, 0, c.stderr);
    await sim.settle();
    const r = await oet(["procedure", "start", "--pid=1", "--sbd=1", "--big=2", "--git", "x"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kwargs=\{'sbd': 1, 'big': 2, 'git': 'x'\}/);
  });
});

for (
  const [args, near] of [
    [["procedure", "start", "--pdi=7"], "pid"],
    [["procedure", "start", "--ppid=7"], "pid"],
    [["procedure", "start", "--id=7"], "pid"],
    [["procedure", "start", "--pod=7"], "pid"],
    [["procedure", "start", "--lisen=False"], "listen"],
    [["procedure", "stop", "--pid=1", "--run_abrot=False"], "run-abort"],
  ] as const
) {
  Deno.test(`near-miss: ${args.slice(1).join(" ")} is refused (did you mean --${near}?), nothing sent`, async () => {
    let sent = 0;
    const r = await runOet([...args], {
      env: { OET_REST_URI: "http://127.0.0.1:9/api/v1.0" },
      fetch: () => {
        sent++;
        return Promise.reject(new Error("nothing may be sent"));
      },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`did you mean --${near}\\?`));
    assert.equal(sent, 0);
    if (args[1] === "start") assert.match(r.stderr, /--kwarg /);
  });
}

// 2. Empty variables: one rule.

for (const name of ["OET_REST_URI", "OET_URL", "OET_REQUEST_TIMEOUT", "OET_RECONNECT_TIMEOUT"]) {
  Deno.test(`empty variable: ${name}= is exit 2 naming it, nothing sent`, async () => {
    let sent = 0;
    const env: Record<string, string> = name === "OET_URL" ? {} : { OET_URL: "http://127.0.0.1:9" };
    env[name] = "";
    const r = await runOet(["procedure", "list"], {
      env,
      fetch: () => {
        sent++;
        return Promise.reject(new Error("nothing may be sent"));
      },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ${name} in the environment is set but empty\\n`));
    assert.match(r.stderr, new RegExp(`hint: give ${name} a value, or unset it`));
    assert.equal(sent, 0);
  });
}

Deno.test("empty variable: .env does not fill a variable that is set, even empty", async () => {
  const r = await runOet(["procedure", "list"], {
    env: { OET_REST_URI: "" },
    files: { ".env": "OET_REST_URI=http://127.0.0.1:9/api/v1.0\n" },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /OET_REST_URI in the environment is set but empty/);
});

Deno.test("empty variable: OET_DEBUG= means off, without a warning; OET_DEBUG=yes warns", async () => {
  await withSim("v7", async (_sim, oet) => {
    const off = await oet(["procedure", "list"], { env: { OET_DEBUG: "" } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stderr, "");
    const yes = await oet(["procedure", "list"], { env: { OET_DEBUG: "yes" } });
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(
      yes.stderr,
      "warning: OET_DEBUG=yes is not a known value (api, 1 or all; empty, 0 or false: off); ignored\n",
    );
  });
});

Deno.test("empty variable: OET_TOKEN= and OET_TOKEN_FILE= are unset, with one note each", async () => {
  await withSim("v7", async (_sim, oet) => {
    const r = await oet(["procedure", "list"], { env: { OET_TOKEN: "", OET_TOKEN_FILE: " " } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      "OET_TOKEN is set but empty; treated as unset\n" +
        "OET_TOKEN_FILE is set but empty; treated as unset\n",
    );
  });
});

// 13. Help wraps to the terminal, at most 100 columns.

for (
  const args of [
    ["help", "environment"],
    ["help", "exit-codes"],
    ["--help"],
    ["procedure", "start", "--help"],
    ["activity", "run", "--help"],
  ]
) {
  Deno.test(`help: ${args.join(" ")} fits 60 columns and is at most 100 wide at 200`, async () => {
    const narrow = await runOet(args, { tty: true, columns: 60 });
    assert.equal(narrow.code, 0, narrow.stderr);
    // Only a word that cannot be cut (a URL, a long option label) and the
    // examples (shell lines, copied as they are) may stick out.
    const prose = narrow.stdout.replace(/^Examples:\n( {2}.*\n)*/m, "");
    const over = prose.split("\n").filter((l) => l.length > 60 && /\S \S/.test(l.trim()));
    assert.deepEqual(over, []);
    const wide = await runOet(args, { tty: true, columns: 200 });
    const lines = wide.stdout.replace(/^Examples:\n( {2}.*\n)*/m, "").split("\n");
    assert.ok(lines.every((l) => l.length <= 100), lines.find((l) => l.length > 100));
    if (args[0] !== "help") {
      assert.ok(lines.some((l) => l.length > 80), "uses the room a wide terminal has");
    }
  });
}

// 3. https:// to a plain http server: every command says what doctor says.

Deno.test("https to a plain-http server: 'does not answer in TLS', hint try http://, exit 4", async () => {
  await withSim("v7", async (sim) => {
    const url = sim.baseUrl.replace(/^http:/, "https:");
    const r = await runOet(["procedure", "list"], { env: { OET_REST_URI: url } });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: 127\.0\.0\.1:\d+ does not answer in TLS \(https:/);
    assert.match(r.stderr, /hint: is the server plain http\? try http:\/\//);
  });
});

// 4. No answer in time: on a 5.x/6.x root (or one that does not say), the 4-thread wedge.

async function silentServer(fn: (origin: string) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn); // read nothing, answer nothing
  })();
  try {
    await fn(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
}

for (
  const [root, wedge] of [
    ["/ska-oso-oet/oet/api/v6", true],
    ["/api/v1.0", true],
    ["/oet", true],
    ["/ska-oso-oet/oet/api/v7", false],
  ] as const
) {
  Deno.test(`no answer in time on ${root}: ${wedge ? "names the 4 threads and oet doctor" : "no thread hint"}`, async () => {
    await silentServer(async (origin) => {
      const r = await runOet(["procedure", "list", "--request-timeout", "300ms"], {
        env: { OET_REST_URI: origin + root },
      });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /no answer from 127\.0\.0\.1:\d+ within 300 ms/);
      assert.equal(/4 threads are all held by event streams.*oet doctor/.test(r.stderr), wedge);
    });
  });
}

// 5. A wrong API root that 5.x and 6.x answer alike: probe once, name the right one.

Deno.test("v6 server, /api/v1.0 root: the 404 names this server's root (probed once)", async () => {
  await withSim("v6", async (sim, oet) => {
    for (const args of [["status"], ["procedure", "list"]]) {
      const r = await oet(args, { env: { OET_REST_URI: `${sim.origin}/api/v1.0` } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /HTTP 404/);
      assert.match(
        r.stderr,
        new RegExp(
          `hint: this server's API root is ${sim.origin}/ska-oso-oet/oet/api/v6 \\(OET 6\\.x\\): set OET_REST_URI to`,
        ),
      );
    }
  });
});
