/**
 * Rough edges found by trying `oet` as a new user would (README only) and by
 * the second live run against real OET 5.4.0, 6.6.0 and 7.0.0
 * (2026-12-07): each has one rule, and a test here that holds it.
 */

import assert from "node:assert/strict";
import { formatRelative } from "../../src/domain/aaa.ts";
import { formatDuration } from "../../src/domain/duration.ts";
import { elapsedText } from "../../src/render/watch.ts";
import { runOet, startOet, StreamTap } from "../support/cli.ts";
import { SAMPLE_SBD, sbdDirWithGitActivity } from "../support/sbd.ts";
import { withSim } from "../support/sim.ts";
import { HttpDouble, httpTest } from "../support/http_double.ts";
import { until as waitUntil } from "../support/wait.ts";
import { silent, startRawServer } from "../support/sockets.ts";

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
  httpTest(
    `near-miss: ${args.slice(1).join(" ")} is refused (did you mean --${near}?), nothing sent`,
    async () => {
      const http = new HttpDouble([]);
      const r = await runOet([...args], {
        env: { OET_REST_URI: "http://127.0.0.1:9/api/v1.0" },
        fetch: http.fetch,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`did you mean --${near}\\?`));
      assert.deepEqual(http.requests, [], "nothing was sent");
      if (args[1] === "start") assert.match(r.stderr, /--kwarg /);
    },
  );
}

// 2. Empty variables: one rule.

for (const name of ["OET_REST_URI", "OET_URL", "OET_REQUEST_TIMEOUT", "OET_RECONNECT_TIMEOUT"]) {
  httpTest(`empty variable: ${name}= is exit 2 naming it, nothing sent`, async () => {
    const http = new HttpDouble([]);
    const env: Record<string, string> = name === "OET_URL" ? {} : { OET_URL: "http://127.0.0.1:9" };
    env[name] = "";
    const r = await runOet(["procedure", "list"], {
      env,
      fetch: http.fetch,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ${name} in the environment is set but empty\\n`));
    assert.match(r.stderr, new RegExp(`hint: give ${name} a value, or unset it`));
    assert.deepEqual(http.requests, [], "nothing was sent");
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
  const server = startRawServer(silent); // read nothing, answer nothing
  try {
    await fn(server.origin);
  } finally {
    await server.close();
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

// 7. An activity whose procedure was pruned has ended; how, nobody can say.

Deno.test("v6: an activity whose procedure was pruned shows ENDED (procedure removed), derived_state ENDED_UNKNOWN", async () => {
  await withSim("v6", async (sim, oet) => {
    const run = await oet(["activity", "run", "allocate", "sbd-mvp01-20200325-00001"]);
    assert.equal(run.code, 0, run.stderr);
    // Ten more procedures: the server keeps 10, so the activity's (finished) procedure 1 goes.
    for (let i = 0; i < 10; i++) {
      const c = await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
      assert.equal(c.code, 0, c.stderr);
    }
    await sim.settle();
    assert.equal(sim.state.procedure(1), undefined);
    const list = await oet(["activity", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout.split("\n")[2], /^ +1 +allocate .* 1 +ENDED \(procedure removed\)$/);
    const json = await oet(["activity", "list", "-o", "json"]);
    assert.equal(JSON.parse(json.stdout)[0].derived_state, "ENDED_UNKNOWN");
    assert.equal(JSON.parse(json.stdout)[0].state, "TODO");
    const d = await oet(["activity", "describe", "--aid", "1"]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /ENDED \(procedure removed\)/);
  });
});

// 6. After the 7.x activity list empties for good (S2): list what can be found by id.

/** Runs a watch in-process until its stdout matches `until`, then Ctrl-C; what it printed. */
async function watchUntil(
  url: string,
  args: string[],
  until: RegExp,
): Promise<{ code: number; out: string; err: string }> {
  const watch = startOet(args, { env: { OET_REST_URI: url } });
  await watch.until(until);
  const r = await watch.interrupt();
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const S2_SBD = SAMPLE_SBD;

for (const flavor of ["v7", "v8"] as const) {
  Deno.test(`${flavor}: S2: activity list, its -o json and --aid completion find the activities by id, with one note`, async () => {
    const dir = await sbdDirWithGitActivity();
    try {
      await withSim(flavor, async (sim, oet) => {
        for (let i = 0; i < 3; i++) {
          const r = await oet(["activity", "run", "hello", S2_SBD]);
          assert.equal(r.code, 0, r.stderr);
        }
        const g = await oet(["activity", "run", "gitact", S2_SBD, "--create-env=True"]);
        assert.equal(g.code, 1, g.stderr);
        const t = await oet(["activity", "list"]);
        assert.equal(t.code, 0, t.stderr);
        assert.deepEqual(
          t.stdout.trimEnd().split("\n").slice(2).map((l) => Number(l.trim().split(/ +/)[0])),
          [1, 2, 3],
        );
        assert.equal(
          t.stderr,
          "the server's activity list came back empty (the 7.x/8.x defect S2, docs/servers.md); 3 activities read one by one by id\n",
        );
        const j = await oet(["activity", "list", "-o", "json"]);
        assert.deepEqual(JSON.parse(j.stdout).map((a: { id: number }) => a.id), [1, 2, 3]);
        // --watch starts from the same rows (it showed only new ones), with the same note.
        const w = await watchUntil(sim.baseUrl, ["activity", "list", "--watch"], /^ +3 +hello/m);
        assert.deepEqual(
          w.out.trimEnd().split("\n").slice(2).map((l) => Number(l.trim().split(/ +/)[0])),
          [1, 2, 3],
        );
        assert.match(w.err, /came back empty \(the 7\.x\/8\.x defect S2/);
        const c = await oet(["__complete", "aid", "oet activity describe --aid "]);
        assert.equal(c.code, 0, c.stderr);
        assert.deepEqual(c.stdout.trim().split("\n").map(Number).slice(0, 3), [1, 2, 3]);
      }, { stepMs: 5, sbdDir: dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

// 14. Messages.

Deno.test("messages: an id typed as an argument points at --pid / --aid", async () => {
  const p = await runOet(["procedure", "list", "5"]);
  assert.equal(p.code, 2);
  assert.equal(
    p.stderr,
    'error: unexpected argument: "5"\nhint: ids go after --pid: oet procedure list --pid 5\n',
  );
  const a = await runOet(["activity", "describe", "7"]);
  assert.match(a.stderr, /hint: ids go after --aid: oet activity describe --aid 7\n/);
});

Deno.test("messages: an id too large says so", async () => {
  const r = await runOet(["procedure", "list", "--pid", "99999999999999999999"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^error: invalid value "99999999999999999999" for --pid: too large for an id/,
  );
});

Deno.test("messages: a command's option before the command says where it goes", async () => {
  const r = await runOet(["-o", "json", "procedure", "list"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^error: unknown option -o: a command's options go after the command \(oet procedure list -o json\)\n/,
  );
  const l = await runOet(["--output", "json", "activity", "list"]);
  assert.match(l.stderr, /go after the command \(oet activity list --output json\)/);
});

Deno.test("messages: the list's 'more details' hint uses a real id", async () => {
  await withSim("v7", async (sim, oet) => {
    await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
    await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
    await sim.settle();
    const one = await oet(["procedure", "list", "--pid", "1"], { tty: true });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /hint: for more details: oet procedure describe --pid 1\n$/);
    const all = await oet(["procedure", "list"], { tty: true });
    assert.match(all.stderr, /hint: for more details: oet procedure describe --pid 2\n$/);
  });
});

Deno.test("messages: a reconnect while waiting is one plain line, in order with the events", async () => {
  await withSim("v7", async (sim, oet) => {
    await oet(["procedure", "create", "file:///scripts/echo_args_fast.py"]);
    await sim.settle();
    sim.setFaults({ dropStreamAfter: 3 });
    const r = await oet(["procedure", "start"]);
    assert.equal(r.code, 0, r.stderr);
    const said = r.stderr.split("\n").filter((l) => /stream|reconnect/.test(l));
    assert.equal(said.length, 1, r.stderr);
    assert.match(
      said[0],
      /^events from \S+ to \S+ UTC may be missing \(the \w[\w ]+; reconnected\)$/,
    );
    assert.doesNotMatch(r.stderr, /error reading a body|\(.*\(/);
  });
});

for (const flavor of ["v5", "v6", "v7"] as const) {
  Deno.test(`messages: ${flavor}: activity run of a name the SB does not have gets a hint`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const sbd = flavor === "v7" ? "sbd-t0001-20250403-00001" : "sbd-mvp01-20200325-00001";
      const r = await oet(["activity", "run", "nosuchactivity", sbd]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: HTTP 500: /);
      assert.match(r.stderr, /\nhint: the SB has no activity of that name/);
    });
  });
}

Deno.test("messages: every human duration over two days is in days", () => {
  const day = 86_400_000;
  assert.equal(formatDuration(47 * 3_600_000), "47 h");
  assert.equal(formatDuration(2 * day), "2 d");
  assert.equal(formatDuration(3 * day + 4 * 3_600_000 + 60_000), "3 d 4 h");
  assert.equal(elapsedText(47 * 3_600_000 + 60_000), "47h01m");
  assert.equal(elapsedText(3 * day + 4 * 3_600_000), "3d04h");
  const now = 1_800_000_000_000;
  assert.equal(formatRelative(now / 1000 + 36 * 3600, now), "in 36 h");
  assert.equal(formatRelative(now / 1000 + 3 * 86_400 + 7200, now), "in 3 d 2 h");
  assert.equal(formatRelative(now / 1000 - 2 * 86_400, now), "2 d ago");
});

// 11. listen --pid / --aid: only events about that procedure or activity.

for (const flavor of ["v6", "v7"] as const) {
  Deno.test(`${flavor}: listen --pid and --aid leave out other clients' reads of the procedure`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const sbd = flavor === "v7" ? "sbd-t0001-20250403-00001" : "sbd-mvp01-20200325-00001";
      // Each listen's stream is tapped: the marker below passes neither filter,
      // so the wait is on each listen having handled it (and so all before it).
      const listenTo = (args: string[]) => {
        const tap = new StreamTap();
        const run = startOet(["listen", ...args, "-o", "jsonl"], {
          env: { OET_REST_URI: sim.baseUrl },
          fetch: tap.fetch,
        });
        return { tap, run };
      };
      const before = sim.openStreams;
      const byPid = listenTo(["--pid", "1"]);
      const byAid = listenTo(["--aid", "1"]);
      await waitUntil(() => sim.openStreams >= before + 2, "both listens to subscribe");
      const run = await oet(["activity", "run", "allocate", sbd]);
      assert.equal(run.code, 0, run.stderr);
      // Another client reading the procedure, as a poller would.
      for (let i = 0; i < 3; i++) await oet(["procedure", "describe", "--pid", "1"]);
      await oet(["procedure", "list", "--pid", "1"]);
      await sim.settle();
      const marker = await oet(["procedure", "create", "file:///scripts/success.py"]);
      assert.equal(marker.code, 0);
      for (const l of [byPid, byAid]) {
        await l.tap.until(/success\.py/);
      }
      for (const l of [byPid, byAid]) {
        const r = await l.run.interrupt();
        assert.equal(r.code, 130, r.stderr);
        const topics = r.stdout.trimEnd().split("\n").map((line) => JSON.parse(line).topic);
        assert.ok(topics.includes("procedure.lifecycle.statechange"), r.stdout);
        assert.ok(!topics.includes("request.procedure.list"), topics.join(" "));
        assert.ok(!topics.includes("procedure.pool.list"), topics.join(" "));
      }
    });
  });
}
