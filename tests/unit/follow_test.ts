/**
 * The follow mechanism (src/commands/follow/follower.ts) with a scripted event feed,
 * scripted GETs and a virtual clock — no real time, no server, as gh tests
 * `run watch` with a fixed `Now`. Each case puts the stream and GET in an
 * order the live runs saw (or could see behind a proxy) and checks what is
 * handed on, when, and how the wait ends.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../support/virtual_clock.ts";
import type { StreamItem } from "../../src/api/events.ts";
import {
  FINAL_EVENT_GRACE_MS,
  Follower,
  type FollowerOptions,
} from "../../src/commands/follow/follower.ts";
import type { EventFeed } from "../../src/commands/follow/subscription.ts";
import {
  ConnectionError,
  HttpError,
  OetError,
  RemoteFailureError,
  StalledError,
  WaitTimeoutError,
} from "../../src/domain/errors.ts";
import type { OetEvent, Procedure, StateEntry, StreamGap } from "../../src/domain/types.ts";
import type { ProcedureState } from "../../src/domain/states.ts";

/** Items that arrive at given (virtual) times. */
class ScriptedFeed implements EventFeed {
  readonly #clock: VirtualClock;
  readonly #items: { at: number; item: StreamItem }[];
  constructor(clock: VirtualClock, items: { at: number; item: StreamItem }[]) {
    this.#clock = clock;
    this.#items = [...items].sort((a, b) => a.at - b.at);
  }
  next(ms: number): Promise<StreamItem | undefined> {
    const head = this.#items[0];
    if (head && head.at <= this.#clock.t + ms) {
      this.#items.shift();
      this.#clock.t = Math.max(this.#clock.t, head.at);
      return Promise.resolve(head.item);
    }
    this.#clock.t += ms;
    return Promise.resolve(undefined);
  }
  get left(): number {
    return this.#items.length;
  }
}

function procedure(
  state: ProcedureState,
  runs = 0,
  stacktrace: string | null = null,
): Procedure {
  const history: StateEntry[] = [{ state: "CREATING", time: 1 }, { state: "READY", time: 2 }];
  for (let i = 0; i < runs; i++) history.push({ state: "RUNNING", time: 3 + i });
  return {
    id: 7,
    script: { uri: "file:///scripts/x.py", type: "filesystem" },
    scriptArgs: {},
    history,
    stacktrace,
    state,
    uri: "http://oet/procedures/7",
    raw: {},
  };
}

/** GET answers by virtual time: the last entry at or before now. */
function reader(
  clock: VirtualClock,
  timeline: { at: number; p: Procedure | Error }[],
): FollowerOptions["reader"] & { gets: number } {
  const r = {
    gets: 0,
    getProcedure(_pid: number): Promise<Procedure> {
      r.gets++;
      const entry = timeline.filter((e) => e.at <= clock.t).at(-1) ?? timeline[0];
      return entry.p instanceof Error ? Promise.reject(entry.p) : Promise.resolve(entry.p);
    },
    listProcedures: () => Promise.resolve([]),
  };
  return r;
}

const state = (s: string): StreamItem => ({
  kind: "events",
  events: [{ topic: "procedure.lifecycle.statechange", msgSrc: "7", data: { new_state: s } }],
});
const say = (msg: string): StreamItem => ({
  kind: "events",
  events: [{ topic: "user.script.announce", msgSrc: "7", data: { msg } }],
});

function follower(
  clock: VirtualClock,
  feed: EventFeed | undefined,
  r: FollowerOptions["reader"],
  more: Partial<FollowerOptions> = {},
) {
  const seen: string[] = [];
  const gaps: StreamGap[] = [];
  const notes: string[] = [];
  const f = new Follower({
    pid: 7,
    feed,
    reader: r,
    env: {
      clock,
      random: () => 0.5,
      signal: new AbortController().signal,
      reconnectWindowMs: 60_000,
    },
    label: "procedure 7",
    followCommand: "oet procedure wait --pid 7",
    sink: {
      event: (e: OetEvent) =>
        seen.push(
          e.topic.endsWith("statechange") ? `State: ${e.data.new_state}` : `Says: ${e.data.msg}`,
        ),
      gap: (g: StreamGap) => gaps.push(g),
      note: (n: string) => notes.push(n),
    },
    ...more,
  });
  return { f, seen, gaps, notes };
}

const T = 1_000_000;

Deno.test("stream ahead of GET, as measured live: every event is handed on, in order, then the end", async () => {
  const clock = new VirtualClock();
  // Live, 6.6.0/7.0.0: the message and READY 17–26 ms before GET shows COMPLETE, COMPLETE 2–9 ms before.
  const feed = new ScriptedFeed(clock, [
    { at: T + 10, item: state("RUNNING") },
    { at: T + 11, item: say("main args=['bob']") },
    { at: T + 12, item: state("READY") },
    { at: T + 30, item: state("COMPLETE") },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("RUNNING", 1) }, {
    at: T + 11,
    p: procedure("READY", 1),
  }, {
    at: T + 33,
    p: procedure("COMPLETE", 1),
  }]);
  const { f, seen, notes } = follower(clock, feed, r);
  const final = await f.final();
  assert.equal(final.state, "COMPLETE");
  assert.deepEqual(seen, [
    "State: RUNNING",
    "Says: main args=['bob']",
    "State: READY",
    "State: COMPLETE",
  ]);
  assert.deepEqual(notes, []);
});

Deno.test("P1: GET already shows COMPLETE when the follower first looks: it reads on and hands on what the stream has", async () => {
  const clock = new VirtualClock();
  // The live failure: the confirming GET was final at once, and the buffered events were never handed on.
  const feed = new ScriptedFeed(clock, [
    { at: T + 1, item: say("main args=['bob']") },
    { at: T + 2, item: state("READY") },
    { at: T + 5, item: state("COMPLETE") },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("READY", 1) }, {
    at: T + 1,
    p: procedure("COMPLETE", 1),
  }]);
  const { f, seen } = follower(clock, feed, r);
  // The first read (before the stream is read) shows a run under way.
  const final = await f.final();
  assert.equal(final.state, "COMPLETE");
  assert.deepEqual(seen, ["Says: main args=['bob']", "State: READY", "State: COMPLETE"]);
  assert.equal(feed.left, 0);
});

Deno.test("stream behind GET (a proxy, a loaded server): the follower waits for the late events, within the grace", async () => {
  const clock = new VirtualClock();
  const lag = 1_500;
  const feed = new ScriptedFeed(clock, [
    { at: T + 10 + lag, item: state("RUNNING") },
    { at: T + 11 + lag, item: say("hello") },
    { at: T + 12 + lag, item: state("READY") },
    { at: T + 13 + lag, item: state("COMPLETE") },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("READY", 0) }, {
    at: T + 13,
    p: procedure("COMPLETE", 1),
  }]);
  const { f, seen, notes } = follower(clock, feed, r);
  const final = await f.final({ pollMs: 5 });
  assert.equal(final.state, "COMPLETE");
  assert.deepEqual(seen, ["State: RUNNING", "Says: hello", "State: READY", "State: COMPLETE"]);
  assert.deepEqual(notes, []);
  assert.ok(
    clock.t <= T + 13 + lag,
    "stopped reading at the final state change, not at the grace's end",
  );
});

Deno.test("the final state change never comes: after the grace, a note that events may be missing", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, [{ at: T + 10, item: state("RUNNING") }]);
  const r = reader(clock, [{ at: 0, p: procedure("RUNNING", 1) }, {
    at: T + 20,
    p: procedure("FAILED", 1, "Traceback\nValueError: x"),
  }]);
  const { f, seen, notes } = follower(clock, feed, r);
  const started = clock.t;
  const final = await f.final({ pollMs: 10 });
  assert.equal(final.state, "FAILED");
  assert.deepEqual(seen, ["State: RUNNING"]);
  assert.equal(notes.length, 1);
  assert.match(
    notes[0],
    /procedure 7 is FAILED, but the event stream did not bring its final state change within 2 s/,
  );
  assert.ok(clock.t - started >= FINAL_EVENT_GRACE_MS);
});

Deno.test("already final at the first read (wait after the end): no grace, no waiting", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, []);
  const r = reader(clock, [{ at: 0, p: procedure("COMPLETE", 1) }]);
  const { f, notes } = follower(clock, feed, r);
  const before = clock.t;
  assert.equal((await f.final()).state, "COMPLETE");
  assert.equal(clock.t, before);
  assert.deepEqual(notes, []);
});

Deno.test("a reconnection is a gap: said with its interval, and the state is read again", async () => {
  const clock = new VirtualClock();
  const gap = { from: T + 5, to: T + 900, reason: "the server closed the event stream" };
  const feed = new ScriptedFeed(clock, [
    { at: T + 1, item: state("RUNNING") },
    { at: T + 900, item: { kind: "open", reconnected: true, gap } },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("RUNNING", 1) }, {
    at: T + 500,
    p: procedure("COMPLETE", 1),
  }]);
  const { f, gaps, notes } = follower(clock, feed, r);
  const final = await f.final({ pollMs: 60_000 });
  assert.equal(final.state, "COMPLETE");
  assert.deepEqual(gaps, [gap]);
  // Re-read at the reconnection (not a poll later), found COMPLETE, then the
  // grace for its final state change, which the gap may have swallowed.
  assert.equal(clock.t, T + 900 + FINAL_EVENT_GRACE_MS);
  assert.deepEqual(notes, [], "the gap already said events may be missing");
});

Deno.test("a procedure pruned while followed: outcome UNKNOWN (exit 3), with the last state the stream said", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, [{ at: T + 1, item: state("COMPLETE") }]);
  const gone = new HttpError({
    status: 404,
    serverMessage: "No information available for PID=7",
    method: "GET",
    url: "http://oet/procedures/7",
    resourceMissing: true,
  });
  const r = reader(clock, [{ at: 0, p: procedure("RUNNING", 1) }, { at: T + 1, p: gone }]);
  const { f } = follower(clock, feed, r);
  const err = await f.final().catch((e) => e);
  assert.ok(err instanceof RemoteFailureError, String(err));
  assert.equal(err.state, "UNKNOWN");
  assert.match(err.message, /no longer known to the server .* the event stream last said COMPLETE/);
});

Deno.test("--timeout: WaitTimeoutError at the deadline, naming how to follow on", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, []);
  const r = reader(clock, [{ at: 0, p: procedure("RUNNING", 1) }]);
  const { f } = follower(clock, feed, r, { deadline: T + 300, timeoutText: "300 ms" });
  const err = await f.final().catch((e) => e);
  assert.ok(err instanceof WaitTimeoutError);
  assert.match(err.message, /procedure 7 did not finish within 300 ms/);
  assert.equal(err.hint, "it is still going; follow it with: oet procedure wait --pid 7");
  assert.equal(clock.t, T + 300);
});

Deno.test("a stall is noticed at its deadline, not a poll later", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, []);
  const r = reader(clock, [{ at: 0, p: procedure("READY", 0) }]);
  const { f } = follower(clock, feed, r);
  const stalled = new StalledError("not running");
  const err = await f.final({
    pollMs: 15_000,
    conditions: [{ at: T + 1234, check: (p) => p.state === "READY" ? stalled : undefined }],
  }).catch((e) => e);
  assert.equal(err, stalled);
  assert.equal(clock.t, T + 1234);
});

Deno.test("a 5.x start answered with an exception on the stream ends the wait at once (exit 1)", async () => {
  const clock = new VirtualClock();
  const feed = new ScriptedFeed(clock, [
    {
      at: T + 1,
      item: {
        kind: "events",
        events: [
          {
            topic: "request.procedure.start",
            id: "42.1",
            msgSrc: "FlaskWorker",
            data: { cmd: { process_uid: 7 } },
          },
          {
            topic: "procedure.lifecycle.started",
            id: "42.1",
            msgSrc: "SESWorker",
            data: {
              result: { exception: "ValueError", message: "Cannot start PID 7: PID #3 is RUNNING" },
            },
          },
        ],
      },
    },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("READY", 0) }]);
  const { f } = follower(clock, feed, r);
  const err = await f.final().catch((e) => e);
  assert.ok(err instanceof OetError);
  assert.match(
    err.message,
    /the server could not start procedure 7: ValueError: Cannot start PID 7/,
  );
  assert.equal(clock.t, T + 1);
});

Deno.test("a server gone for longer than the reconnect window ends the wait (exit 4); shorter outages are retried", async () => {
  const clock = new VirtualClock();
  const down = new ConnectionError(
    "refused",
    "http://oet/procedures/7",
    "connection refused by oet",
  );
  const r = reader(clock, [
    { at: 0, p: procedure("RUNNING", 1) },
    { at: T + 10, p: down },
    { at: T + 5_000, p: procedure("COMPLETE", 1) },
  ]);
  const { f } = follower(
    clock,
    new ScriptedFeed(clock, [{ at: T + 10, item: state("COMPLETE") }]),
    r,
  );
  assert.equal((await f.final()).state, "COMPLETE", "a 5 s outage is retried");

  const clock2 = new VirtualClock();
  const r2 = reader(clock2, [{ at: 0, p: procedure("RUNNING", 1) }, { at: T + 10, p: down }]);
  const { f: f2 } = follower(
    clock2,
    new ScriptedFeed(clock2, [{ at: T + 10, item: state("COMPLETE") }]),
    r2,
    {
      env: {
        clock: clock2,
        random: () => 0.5,
        signal: new AbortController().signal,
        reconnectWindowMs: 30_000,
      },
    },
  );
  const err = await f2.final().catch((e) => e);
  assert.equal(err, down);
  assert.ok(clock2.t >= T + 10 + 30_000);
});

Deno.test("fix 1: a live run (oet started it) is drained even when the first read already shows its end, the stream behind", async () => {
  const clock = new VirtualClock();
  const lag = 500;
  const feed = new ScriptedFeed(clock, [
    { at: T + lag, item: state("RUNNING") },
    { at: T + lag + 1, item: say("main args=['bob']") },
    { at: T + lag + 2, item: state("READY") },
    { at: T + lag + 3, item: state("COMPLETE") },
  ]);
  const r = reader(clock, [{ at: 0, p: procedure("COMPLETE", 1) }]);
  const { f, seen, notes } = follower(clock, feed, r, { live: true });
  assert.equal((await f.final()).state, "COMPLETE");
  assert.deepEqual(seen, [
    "State: RUNNING",
    "Says: main args=['bob']",
    "State: READY",
    "State: COMPLETE",
  ]);
  assert.deepEqual(notes, []);
});

Deno.test("fix 2: a 500 on a read is retried within the reconnect window with one note; beyond it, it stands", async () => {
  const clock = new VirtualClock();
  const dead = new HttpError({
    status: 500,
    serverMessage: "Dead Listener called",
    method: "GET",
    url: "http://oet/procedures/7",
  });
  const r = reader(clock, [
    { at: 0, p: procedure("RUNNING", 1) },
    { at: T + 10, p: dead },
    { at: T + 3_000, p: procedure("COMPLETE", 1) },
  ]);
  const { f, notes } = follower(
    clock,
    new ScriptedFeed(clock, [{ at: T + 10, item: state("COMPLETE") }]),
    r,
  );
  assert.equal((await f.final()).state, "COMPLETE");
  assert.deepEqual(notes, [
    "the server answered a read of procedure 7 with HTTP 500: Dead Listener called; trying again for up to 1 min",
  ]);

  const clock2 = new VirtualClock();
  const r2 = reader(clock2, [{ at: 0, p: procedure("RUNNING", 1) }, { at: T + 10, p: dead }]);
  const { f: f2, notes: notes2 } = follower(
    clock2,
    new ScriptedFeed(clock2, [{ at: T + 10, item: state("COMPLETE") }]),
    r2,
  );
  assert.equal(await f2.final().catch((e) => e), dead);
  assert.ok(clock2.t >= T + 10 + 60_000);
  assert.equal(notes2.length, 1);
});
