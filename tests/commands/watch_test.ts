/**
 * `oet procedure list --watch` and `oet activity list --watch`.
 *
 * Golden files against a scripted OET (tests/support/http_double.ts) and a
 * clock that moves only when the test says, so that every frame is
 * deterministic: the terminal redraw (the raw bytes, escape codes included),
 * the pipe form and JSON lines. Then the behaviour against the simulator in
 * every flavour: changes appended as they happen, a procedure pruned by
 * retention, a stream the server closes (7.x) or drops, activities with
 * their derived states, Ctrl-C (130), a closed stdout (0), and the server's
 * threads freed afterwards.
 */

import assert from "node:assert/strict";
import type { Flavor } from "../../sim/src/flavor.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { decodeProcedure } from "../../src/api/decode.ts";
import { ProcedureBook, PROVISIONAL_TTL_MS } from "../../src/commands/shared/watch/book.ts";
import type { Procedure } from "../../src/domain/types.ts";
import { type LiveRun, startOet, StreamTap } from "../support/cli.ts";
import { HttpDouble, json } from "../support/http_double.ts";
import { assertGolden } from "../support/golden.ts";
import { normalize, withSim } from "../support/sim.ts";
import { until } from "../support/wait.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const ALL: readonly Flavor[] = ["v5", "v6", "v7", "v8"];
const SBD = "sbd-t0001-20250403-00001";

// ---------------------------------------------------------------------------
// Golden files: a scripted server and a clock that moves when told.

const T0 = Date.UTC(2026, 10, 29, 21, 0, 0);
const ROOT = "/ska-oso-oet/oet/api/v7";

/** A 7.x procedure summary with the given history (seconds after T0). */
function summary(id: number, script: string, states: [string, number][]): Record<string, unknown> {
  return {
    id,
    script: { script_uri: `file:///scripts/${script}`, script_type: "filesystem" },
    script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
    history: {
      process_states: states.map(([s, t]) => [s, T0 / 1000 + t]),
      stacktrace: null,
    },
    state: states.at(-1)![0],
    uri: `http://localhost${ROOT}/procedures/${id}`,
  };
}

const PREPARED: [string, number][] = [
  ["CREATING", 0],
  ["IDLE", 0.1],
  ["LOADING", 0.2],
  ["IDLE", 0.3],
  ["INITIALISING", 0.4],
  ["READY", 0.5],
];

/** A scripted 7.x server whose procedure list the test changes. */
function scriptedOet(): { fake: HttpDouble; procedures: Map<number, Record<string, unknown>> } {
  const procedures = new Map<number, Record<string, unknown>>();
  // The list and the stream are all a watch reads (a read by id would fail the test).
  const fake = new HttpDouble([{
    url: `${ROOT}/procedures/`,
    respond: () => json([...procedures.values()]),
    reusable: true,
  }]).eventStream().listen();
  return { fake, procedures };
}

/**
 * The golden scenario: procedure 1 COMPLETE and 2 READY; 2 starts (the
 * stream says so before GET does), runs for a while (the terminal's clock
 * ticks), a new procedure 3 is created and the server prunes 1, then 2 is
 * stopped. Each step waits until oet is waiting again, so every frame and
 * row is the same on every run.
 */
async function goldenScenario(
  args: string[],
  tty: boolean,
): Promise<{ code: number; out: string; err: string }> {
  const { fake, procedures } = scriptedOet();
  const clock = new VirtualClock(T0 + 60_000, { manual: true });
  procedures.set(
    1,
    summary(1, "hello_world.py", [...PREPARED, ["RUNNING", 1], ["READY", 6], ["COMPLETE", 6.1]]),
  );
  procedures.set(2, summary(2, "loop.py", PREPARED.map(([s, t]) => [s, t + 10])));
  const oet = startOet(args, {
    env: { OET_REST_URI: `${fake.origin}${ROOT}` },
    tty,
    colour: tty,
    clock,
    columns: tty ? 120 : undefined,
  });
  const idle = async (before: number, what: string) => {
    await until(
      () => clock.sleeps.length > before && clock.next !== undefined,
      what,
      () => oet.out.text,
    );
  };
  try {
    await idle(0, "the first table");
    const event = async (data: unknown, what: string) => {
      const before = clock.sleeps.length;
      fake.emit(data);
      await idle(before, what);
    };
    const advance = async (ms: number, what: string) => {
      const before = clock.sleeps.length;
      if (clock.tick(ms)) await idle(before, what);
    };
    const change = (id: number, state: string) => ({
      msg_src: String(id),
      new_state: state,
      topic: "procedure.lifecycle.statechange",
    });
    // The stream is ahead of GET: RUNNING shows at once, GET confirms it later.
    await event(change(2, "RUNNING"), "RUNNING from the stream");
    procedures.set(
      2,
      summary(2, "loop.py", [...PREPARED.map(([s, t]): [string, number] => [s, t + 10]), [
        "RUNNING",
        60,
      ]]),
    );
    await advance(1_000, "the confirming read and a tick");
    await advance(4_000, "a tick 5 s later");
    // A create: the server prunes the finished procedure 1 (retention).
    procedures.delete(1);
    // A script name longer than any in the first table: the pipe form widens its column.
    procedures.set(3, summary(3, "observe_with_a_long_name.py", [["CREATING", 65], ["IDLE", 65]]));
    await event(
      { msg_src: "SESWorker", result: procedures.get(3)!, topic: "procedure.lifecycle.created" },
      "the read a create calls for to be scheduled",
    );
    await advance(100, "the read after the create");
    await event(change(2, "STOPPED"), "STOPPED");
    procedures.set(2, { ...procedures.get(2)!, state: "STOPPED" });
    const { code } = await oet.interrupt();
    return { code, out: oet.out.text, err: oet.err.text };
  } finally {
    await oet.interrupt();
    await fake.close();
  }
}

Deno.test("golden: procedure list --watch on a terminal redraws the table in place (raw bytes)", async () => {
  const r = await goldenScenario(["procedure", "list", "--watch"], true);
  assert.equal(r.code, 130, r.err);
  assertGolden("watch/procedure-terminal", r.out);
  // Every frame after the first goes back over the one before it.
  const frames = r.out.split("\x1b[J");
  assert.ok(frames.length >= 5, r.out);
  assert.match(
    r.err,
    /^watching procedures on http:\/\/127\.0\.0\.1:\d+\/\S+; press Ctrl-C to stop\n$/,
  );
});

Deno.test("golden: procedure list --watch in a pipe appends one row per change, the header once", async () => {
  const r = await goldenScenario(["procedure", "list", "--watch"], false);
  assert.equal(r.code, 130, r.err);
  assert.equal(r.err, "");
  assertGolden("watch/procedure-pipe", r.out);
  assert.ok(!r.out.includes("\x1b"), "no escape codes in a pipe");
});

Deno.test("golden: procedure list --watch -o jsonl: one object per change", async () => {
  const r = await goldenScenario(["procedure", "list", "--watch", "-o", "jsonl"], false);
  assert.equal(r.code, 130, r.err);
  assertGolden("watch/procedure-jsonl", r.out);
  const changes = r.out.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    changes.map((c) => [c.change, c.procedure.id, c.procedure.state, c.procedure.derived_state]),
    [
      ["listed", 1, "COMPLETE", undefined],
      ["listed", 2, "READY", undefined],
      // The stream's RUNNING, then the read that confirms it (the server's own object).
      ["changed", 2, "READY", "RUNNING"],
      ["changed", 2, "RUNNING", undefined],
      ["removed", 1, "COMPLETE", undefined],
      ["added", 3, "IDLE", undefined],
      ["changed", 2, "RUNNING", "STOPPED"],
    ],
  );
});

// ---------------------------------------------------------------------------
// How the stream and reads are merged (src/commands/watch/book.ts).

function decoded(id: number, states: [string, number][]): Procedure {
  return decodeProcedure(summary(id, "x.py", states));
}

Deno.test("book: the stream ahead of GET — shown at once, confirmed by a later read, no state twice", () => {
  const book = new ProcedureBook();
  book.take([decoded(1, PREPARED)], true, 0);
  // A script whose main returns at once: GET never shows RUNNING (docs/servers.md, "Timing").
  assert.equal(book.announce(1, "RUNNING", 10), "changed");
  assert.equal(book.announce(1, "READY", 11), "changed");
  book.take([decoded(1, PREPARED)], true, 12); // GET behind: the stream's states stay
  assert.equal(book.get(1)!.state, "READY");
  assert.equal(book.announce(1, "COMPLETE", 13), "changed");
  const all: [string, number][] = [...PREPARED, ["RUNNING", 1], ["READY", 1.1], ["COMPLETE", 1.2]];
  book.take([decoded(1, all)], true, 14);
  assert.equal(book.unconfirmed(), false);
  assert.deepEqual(book.get(1)!.history.map((e) => e.state), all.map(([s]) => s));
  assert.equal(book.get(1)!.history.at(-1)!.time, T0 / 1000 + 1.2, "the server's own times");
});

Deno.test("book: the stream behind GET — states a read showed change nothing when they arrive", () => {
  const book = new ProcedureBook();
  book.take([decoded(1, PREPARED)], true, 0);
  book.take([decoded(1, [...PREPARED, ["RUNNING", 1], ["READY", 2], ["COMPLETE", 3]])], true, 1);
  assert.equal(book.announce(1, "RUNNING", 5), "known");
  assert.equal(book.announce(1, "READY", 6), "known");
  assert.equal(book.announce(1, "COMPLETE", 7), "known");
  assert.equal(book.get(1)!.state, "COMPLETE");
});

Deno.test("book: nothing follows a final state; an unconfirmed state gives way after its time", () => {
  const book = new ProcedureBook();
  book.take(
    [decoded(1, [...PREPARED, ["RUNNING", 1], ["STOPPED", 2]]), decoded(2, PREPARED)],
    true,
    0,
  );
  assert.equal(book.announce(1, "READY", 10), "known");
  assert.equal(book.announce(2, "READY", 10), "known", "the current state again");
  assert.equal(book.announce(3, "IDLE", 10), "unknown");
  assert.equal(book.announce(2, "RUNNING", 10), "changed");
  book.take([decoded(2, PREPARED)], false, 10 + PROVISIONAL_TTL_MS);
  assert.equal(book.get(2)!.state, "READY", "the server did not confirm it in time");
  assert.deepEqual(book.take([decoded(2, PREPARED)], true, 0), [1], "1 was removed");
  assert.equal(book.has(1), false);
});

Deno.test("book: after a gap the two views start afresh", () => {
  const book = new ProcedureBook();
  book.take([decoded(1, PREPARED)], true, 0);
  book.take([decoded(1, [...PREPARED, ["RUNNING", 1]])], true, 1);
  book.resync();
  // RUNNING was awaited from the stream; after the gap a READY is new, not stale.
  assert.equal(book.announce(1, "READY", 2), "changed");
});

// ---------------------------------------------------------------------------
// Against the simulator, in every flavour.

type Oet = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Starts a watch against the simulator and waits until it has printed its first table. */
async function watching(
  sim: Simulator,
  args: string[],
  o: {
    tty?: boolean;
    colour?: boolean;
    closeStdoutAfter?: number;
    columns?: number;
    fetch?: typeof fetch;
  } = {},
): Promise<LiveRun> {
  const before = sim.openStreams;
  const run = startOet(args, {
    ...o,
    env: { OET_REST_URI: sim.baseUrl },
    columns: o.tty ? o.columns ?? 120 : undefined,
  });
  await until(
    () => run.out.writes > 0 && sim.openStreams > before,
    "the first table",
    () => run.err.text,
  );
  return run;
}

/** The rows appended under the first table of a pipe-form watch. */
function appended(text: string, firstRows: number): string[] {
  return text.trimEnd().split("\n").slice(2 + firstRows);
}

async function createReady(sim: Simulator, oet: Oet, script: string): Promise<void> {
  const c = await oet(["procedure", "create", `file:///scripts/${script}`]);
  assert.equal(c.code, 0, c.stderr);
  await sim.settle();
}

/** Waits until the server holds no thread for a stream (the watch nudged it). */
async function threadsFreed(sim: Simulator): Promise<void> {
  await until(
    () => sim.openStreams === 0 && sim.state.workers().heldByDeadStreams === 0,
    "the server to free the watch's thread",
    () => JSON.stringify(sim.state.workers()),
  );
}

for (const flavor of ALL) {
  Deno.test(`${flavor}: procedure list --watch in a pipe: list's table, then RUNNING, READY, COMPLETE rows`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "echo_args_fast.py");
      await createReady(sim, oet, "success.py");
      const list = await oet(["procedure", "list"]);
      const w = await watching(sim, ["procedure", "list", "--watch"]);
      assert.equal(w.out.text, list.stdout, "the first table is list's");
      const gets = sim.requests.length;
      const s = await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      assert.equal(s.code, 0, s.stderr);
      await until(() => /COMPLETE\n$/.test(w.out.text), "the COMPLETE row", () => w.out.text);
      await sim.settle();
      const { code } = await w.interrupt();
      assert.equal(code, 130);
      assert.equal(w.err.text, "", "Ctrl-C ends a watch quietly");
      const rows = appended(normalize(w.out.text, sim), 2);
      assert.deepEqual(rows, [
        "   1  file:///scripts/echo_args_fast.py  YYYY-MM-DD HH:MM:SS  RUNNING",
        "   1  file:///scripts/echo_args_fast.py  YYYY-MM-DD HH:MM:SS  READY",
        "   1  file:///scripts/echo_args_fast.py  YYYY-MM-DD HH:MM:SS  COMPLETE",
      ]);
      // Reads are coalesced: a handful for a whole run, not one per event.
      const reads = sim.requests.slice(gets).filter((q) =>
        q.method === "GET" && /\/procedures\/?$/.test(q.path)
      );
      assert.ok(reads.length <= 6, `${reads.length} list reads`);
      await threadsFreed(sim);
    });
  });

  Deno.test(`${flavor}: procedure list --watch -o jsonl makes up no history: the server's values, and what oet derived in fields that say so`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "echo_args_fast.py");
      const w = await watching(sim, ["procedure", "list", "--watch", "-o", "jsonl"]);
      await oet(["procedure", "start", "--pid", "1", "--listen=False", "bob"]);
      await until(() => /"state":"COMPLETE"/.test(w.out.text), "COMPLETE", () => w.out.text);
      assert.equal((await w.interrupt()).code, 130);
      const lines = w.out.text.trimEnd().split("\n").map((l) => JSON.parse(l).procedure);
      const server = JSON.parse(
        (await oet(["procedure", "describe", "--pid", "1", "-o", "json"])).stdout,
      );
      const truth = new Set(
        server.history.process_states.map((e: [string, number]) => JSON.stringify(e)),
      );
      for (const p of lines) {
        for (const e of p.history.process_states) {
          assert.ok(truth.has(JSON.stringify(e)), `made-up history entry ${JSON.stringify(e)}`);
        }
        // The server's state is the last of the server's history.
        assert.equal(p.state, p.history.process_states.at(-1)[0]);
        if (p.derived_state !== undefined) {
          assert.equal(p.derived_state, p.unconfirmed_states.at(-1)[0]);
        }
        // A start's arguments are the server's: once it lists main, every later object does.
      }
      const withMain = lines.findIndex((p) => JSON.stringify(p.script_args).includes("main"));
      assert.ok(withMain >= 0);
      for (const p of lines.slice(withMain)) assert.match(JSON.stringify(p.script_args), /main/);
    });
  });

  Deno.test(`${flavor}: procedure list --watch -o jsonl: listed, then changed objects as -o json prints them`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "echo_args_fast.py");
      const w = await watching(sim, ["procedure", "list", "--watch", "-o", "jsonl"]);
      await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      // The server's own COMPLETE (not only the stream's, in derived_state).
      const confirmed = () =>
        w.out.text.split("\n").some((l) => l && JSON.parse(l).procedure.state === "COMPLETE");
      await until(confirmed, "COMPLETE", () => w.out.text);
      assert.equal((await w.interrupt()).code, 130);
      const lines = w.out.text.trimEnd().split("\n").map((l) => JSON.parse(l));
      for (const l of lines) assert.deepEqual(Object.keys(l), ["change", "procedure"]);
      // Each shown state once (a read that confirms one repeats it with the server's values).
      const shown = lines.map((l) => [
        l.change,
        l.procedure.id,
        l.procedure.derived_state ?? l.procedure.state,
      ]).filter((x, i, all) => i === 0 || JSON.stringify(x) !== JSON.stringify(all[i - 1]));
      assert.deepEqual(
        shown,
        [["listed", 1, "READY"], ["changed", 1, "RUNNING"], ["changed", 1, "READY"], [
          "changed",
          1,
          "COMPLETE",
        ]],
      );
      const list = JSON.parse((await oet(["procedure", "list", "-o", "json"])).stdout);
      assert.deepEqual(Object.keys(lines[0].procedure), Object.keys(list[0]), "the -o json object");
      assert.deepEqual(
        lines.at(-1).procedure.history.process_states.map((e: unknown[]) => e[0]).slice(-3),
        [
          "RUNNING",
          "READY",
          "COMPLETE",
        ],
      );
    });
  });

  Deno.test(`${flavor}: a procedure pruned by retention while watched: a (removed) row, and a removed object`, async () => {
    await withSim(flavor, async (sim, oet) => {
      for (let pid = 1; pid <= 10; pid++) {
        await createReady(sim, oet, "echo_args_fast.py");
        const s = await oet(["procedure", "start", "--listen=False"]);
        assert.equal(s.code, 0, s.stderr);
        await until(() => sim.state.procedure(pid)?.state === "COMPLETE", `${pid} COMPLETE`);
      }
      const pipe = await watching(sim, ["procedure", "list", "--watch"]);
      const lines = await watching(sim, ["procedure", "list", "--watch", "-o", "jsonl"]);
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await until(
        () => /\(removed\)\n/.test(pipe.out.text),
        "the removed row",
        () => pipe.out.text,
      );
      await until(() => lines.out.text.includes('"change":"removed"'), "the removed object");
      await until(
        () => /^\s+11 .*READY$/m.test(pipe.out.text),
        "procedure 11 READY",
        () => pipe.out.text,
      );
      assert.equal((await pipe.interrupt()).code, 130);
      assert.equal((await lines.interrupt()).code, 130);
      assert.equal(sim.state.procedure(1), undefined);
      const rows = appended(normalize(pipe.out.text, sim), 10);
      assert.equal(
        rows[0],
        "   1  file:///scripts/echo_args_fast.py  YYYY-MM-DD HH:MM:SS  (removed)",
      );
      assert.match(
        rows[1],
        /^ {2}11 {2}file:\/\/\/scripts\/success\.py {9}YYYY-MM-DD HH:MM:SS {2}\w+$/,
      );
      const removed = lines.out.text.trimEnd().split("\n").map((l) => JSON.parse(l))
        .filter((l) => l.change === "removed");
      assert.deepEqual(removed.map((l) => [l.procedure.id, l.procedure.state]), [[1, "COMPLETE"]]);
      await threadsFreed(sim);
    });
  });

  Deno.test(`${flavor}: streams the server drops mid-watch: said on stderr, the list read again, no change lost`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "echo_args_slow.py");
      // Every stream is cut after 2 events from now on: the watch reconnects again and again.
      sim.setFaults({ dropStreamAfter: 2 });
      const w = await watching(sim, ["procedure", "list", "--watch"]);
      await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      await until(
        () => /COMPLETE\n$/.test(w.out.text),
        "the COMPLETE row",
        () => w.out.text + w.err.text,
      );
      sim.setFaults({});
      assert.equal((await w.interrupt()).code, 130);
      assert.match(w.err.text, /may be missing \(.*; reconnected\)\n/);
    });
  });

  Deno.test(`${flavor}: activity list --watch: a new activity, then its derived states to COMPLETE`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const pipe = await watching(sim, ["activity", "list", "--watch"]);
      const lines = await watching(sim, ["activity", "list", "--watch", "-o", "jsonl"]);
      const r = await oet(["activity", "run", "hello", SBD]);
      assert.equal(r.code, 0, r.stderr);
      await until(() => /COMPLETE\n$/.test(pipe.out.text), "COMPLETE", () => pipe.out.text);
      await until(() => lines.out.text.includes('"derived_state":"COMPLETE"'), "COMPLETE object");
      assert.equal((await pipe.interrupt()).code, 130);
      assert.equal((await lines.interrupt()).code, 130);
      const printed = appended(normalize(pipe.out.text, sim), 0);
      // The first table was empty: its columns were only as wide as the headers, so the first
      // row comes under a new header in wider columns, and lines up with it.
      assert.match(printed[0], /^ {2}ID {2}Activity/);
      assert.equal(printed[2].indexOf(SBD), printed[0].indexOf("SB ID"));
      const rows = printed.filter((l) => !/^ {2}ID |^-/.test(l));
      const states = rows.map((l) => l.split(/\s+/).at(-1));
      assert.equal(states.at(-1), "COMPLETE");
      const order = ["TODO", "REQUESTED", "PREPARED", "RUNNING", "COMPLETE"];
      const ranks = states.map((s) => order.indexOf(s!));
      assert.ok(ranks.every((k, i) => k >= 0 && (i === 0 || k > ranks[i - 1])), rows.join("\n"));
      assert.match(rows[0], new RegExp(`^ {3}1 {2}hello {7}${SBD} `));
      const objects = lines.out.text.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(objects[0].change, "added");
      assert.equal(objects[0].activity.id, 1);
      assert.ok(objects.every((o) => typeof o.activity.derived_state === "string"));
      await threadsFreed(sim);
    }, 20);
  });
}

for (const flavor of ["v7", "v8"] as Flavor[]) {
  Deno.test(`${flavor}: the server closes every stream on a refused start: the watch reconnects, re-reads, goes on`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "loop.py");
      await createReady(sim, oet, "success.py");
      const w = await watching(sim, ["procedure", "list", "--watch"]);
      await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      await until(() => /RUNNING\n$/.test(w.out.text), "RUNNING", () => w.out.text);
      // Refused (1 is RUNNING): a 7.x server cuts every open stream.
      const refused = await oet(["procedure", "start", "--pid", "2", "--listen=False"]);
      assert.equal(refused.code, 1, refused.stderr);
      await until(() => /may be missing/.test(w.err.text), "the gap note", () => w.err.text);
      // Made while the stream may still be down: only the read after the reconnect can show it.
      await oet(["procedure", "create", "file:///scripts/success.py"]);
      await oet(["procedure", "stop", "--pid", "1", "--run_abort=False"]);
      await until(() => /STOPPED\n/.test(w.out.text), "STOPPED", () => w.out.text + w.err.text);
      await until(() => /^\s+3 .*READY$/m.test(w.out.text), "procedure 3", () => w.out.text);
      assert.equal((await w.interrupt()).code, 130);
      assert.match(w.err.text, /reconnected\)\n/);
      await threadsFreed(sim);
    });
  });
}

Deno.test("procedure list --watch --pid 2 shows procedure 2 only; activity list --watch --aid 1 its activity only", async () => {
  for (const flavor of ["v5", "v7"] as Flavor[]) {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "success.py");
      await createReady(sim, oet, "success.py");
      const w = await watching(sim, ["procedure", "list", "--watch", "--pid", "2"]);
      await oet(["procedure", "start", "--pid", "1"]);
      await oet(["procedure", "start", "--pid", "2"]);
      await until(() => /COMPLETE\n$/.test(w.out.text), "2 COMPLETE", () => w.out.text);
      assert.equal((await w.interrupt()).code, 130);
      const rows = w.out.text.trimEnd().split("\n").slice(2);
      assert.ok(rows.every((r) => /^ {3}2 /.test(r)), rows.join("\n"));

      const r1 = await oet(["activity", "run", "hello", SBD, "--prepare-only=True"]);
      assert.equal(r1.code, 0, r1.stderr);
      await sim.settle();
      const a = await watching(sim, ["activity", "list", "--watch", "--aid", "1"]);
      await oet(["activity", "run", "hello", SBD]);
      await oet(["procedure", "start", "--pid", "3"]);
      await until(() => /COMPLETE\n$/.test(a.out.text), "activity 1 COMPLETE", () => a.out.text);
      assert.equal((await a.interrupt()).code, 130);
      const arows = a.out.text.trimEnd().split("\n").slice(2);
      assert.ok(arows.every((r) => /^ {3}1 /.test(r)), arows.join("\n"));
    });
  }
});

Deno.test("on a terminal against the simulator: frames redrawn in place, running rows timed, in colour", async () => {
  await withSim("v7", async (sim, oet) => {
    await createReady(sim, oet, "echo_args_slow.py");
    const w = await watching(sim, ["procedure", "list", "--watch"], { tty: true, colour: true });
    await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
    await until(() => w.out.text.includes("\x1b[32mCOMPLETE"), "COMPLETE", () => w.out.text);
    assert.equal((await w.interrupt()).code, 130);
    assert.ok(
      w.out.text.includes("\x1b[3A\r  ID"),
      "back over the 3 lines of the frame, written over",
    );
    // deno-lint-ignore no-control-regex -- the colour codes are what is checked
    assert.match(w.out.text, /\x1b\[36mRUNNING\x1b\[0m \x1b\[2m\d+s\x1b\[0m/);
    assert.match(w.err.text, /^watching procedures on .*; press Ctrl-C to stop\n$/);
  }, 40);
});

Deno.test("on a narrow terminal the watching line fits the width: shortened, then cut", async () => {
  await withSim("v7", async (sim) => {
    for (const columns of [80, 60, 30]) {
      const w = await watching(sim, ["procedure", "list", "--watch"], { tty: true, columns });
      assert.equal((await w.interrupt()).code, 130);
      const line = w.err.text.split("\n")[0];
      assert.ok(line.length <= columns, `${columns}: ${JSON.stringify(line)}`);
      assert.match(line, /^watching procedures/);
      // What is not cut says how to stop; what is cut ends with "…".
      if (line.endsWith("…")) assert.equal(line.length, columns);
      else assert.match(line, /Ctrl-C/);
    }
    // Wide enough: the whole line, as before.
    const wide = await watching(sim, ["procedure", "list", "--watch"], { tty: true, columns: 200 });
    assert.equal((await wide.interrupt()).code, 130);
    assert.match(wide.err.text, /^watching procedures on http:\S+; press Ctrl-C to stop\n$/);
  });
});

Deno.test("--watch with -o json or -o id is a usage error, and nothing is sent", async () => {
  await withSim("v7", async (sim, oet) => {
    for (const args of [["procedure", "list"], ["activity", "list"]]) {
      for (const format of ["json", "id"]) {
        const r = await oet([...args, "--watch", "-o", format]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`^error: --watch cannot print -o ${format}`));
      }
    }
    assert.deepEqual(sim.requests, []);
  });
});

Deno.test("a watch whose stdout closes (| head) ends quietly with 0 and frees the server's thread", async () => {
  for (const flavor of ["v5", "v7"] as Flavor[]) {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "success.py");
      const w = await watching(sim, ["procedure", "list", "--watch", "-o", "jsonl"], {
        closeStdoutAfter: 1,
      });
      await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      assert.equal((await w.done).code, 0);
      assert.equal(w.err.text, "");
      await threadsFreed(sim);
    });
  }
});

Deno.test("a flood of state changes is read a few times, not once per event", async () => {
  await withSim("v7", async (sim) => {
    const w = await watching(sim, ["procedure", "list", "--watch", "-o", "jsonl"]);
    const before = sim.requests.length;
    const body = JSON.stringify({
      script: { script_type: "filesystem", script_uri: "file:///scripts/success.py" },
      script_args: { init: { args: [], kwargs: {} } },
    });
    const created = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${sim.baseUrl}/procedures/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).then((r) => r.text())),
    );
    assert.equal(created.length, 30);
    const ready = () =>
      new Set(
        w.out.text.trimEnd().split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((l) =>
          l.procedure.state === "READY"
        ).map((l) => l.procedure.id),
      ).size;
    await until(() => ready() === 30, "30 procedures READY", () => w.out.text);
    const reads = sim.requests.slice(before).filter((q) =>
      q.method === "GET" && /\/procedures\/?$/.test(q.path)
    );
    assert.equal((await w.interrupt()).code, 130);
    // 30 creates publish 180 state changes and 30 created replies.
    assert.ok(reads.length <= 12, `${reads.length} list reads`);
  }, { stepMs: 5, workers: Infinity });
});

Deno.test("--watch of an unknown --pid or --aid fails as list does (exit 1), and frees the stream", async () => {
  await withSim("v5", async (sim, oet) => {
    const p = await oet(["procedure", "list", "--watch", "--pid", "9"]);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /^error: HTTP 404: No information available for PID=9\n/);
    const a = await oet(["activity", "list", "--watch", "--aid", "9"]);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /^error: HTTP 404: No information available for ID=9\n/);
    await threadsFreed(sim);
  });
});

Deno.test("the stream 400 ms behind GET: states a read already showed are not shown twice", async () => {
  for (const flavor of ["v5", "v7"] as Flavor[]) {
    await withSim(flavor, async (sim, oet) => {
      await createReady(sim, oet, "echo_args_slow.py");
      await createReady(sim, oet, "success.py");
      const tap = new StreamTap();
      const w = await watching(sim, ["procedure", "list", "--watch"], { fetch: tap.fetch });
      await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
      await until(() => sim.state.procedure(1)?.state === "COMPLETE", "1 COMPLETE");
      await oet(["procedure", "start", "--pid", "2", "--listen=False"]);
      await until(() => /^ {3}2 .*COMPLETE$/m.test(w.out.text), "2 COMPLETE", () => w.out.text);
      // Let the late events of both runs arrive: a marker published after
      // them (the create of a third procedure, by its script's name) comes
      // after them on the stream; wait until the watch has handled it.
      await until(() => sim.state.procedure(2)?.state === "COMPLETE", "2 COMPLETE");
      assert.ok(!tap.taken.includes("fail.py"));
      assert.equal((await oet(["procedure", "create", "file:///scripts/fail.py"])).code, 0);
      await tap.until(/fail\.py/);
      assert.equal((await w.interrupt()).code, 130);
      for (const pid of [1, 2]) {
        const states = appended(w.out.text, 2).filter((l) => l.startsWith(`   ${pid} `))
          .map((l) => l.split(/\s+/).at(-1));
        const order = ["RUNNING", "READY", "COMPLETE"];
        const ranks = states.map((s) => order.indexOf(s!));
        assert.ok(
          ranks.every((k, i) => k >= 0 && (i === 0 || k > ranks[i - 1])),
          `${pid}: ${states.join(", ")}`,
        );
        assert.equal(states.at(-1), "COMPLETE");
      }
    }, { stepMs: 5, streamLagMs: 400 });
  }
});
