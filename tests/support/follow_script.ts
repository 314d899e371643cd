/**
 * Generated server timelines for the follow room, and the one check every
 * timeline must pass (tests/unit/follow_property_test.ts runs it in the
 * suite; `deno task fuzz -- --runs N` runs it long).
 *
 * A timeline is what a real server could do to a waiting command: the
 * event orders the recordings show (docs/servers.md, "The event stream":
 * RUNNING, the script's messages, READY and COMPLETE, or FAILED, or
 * STOPPED), the stream from 30 ms ahead of GET to 500 ms behind it, stream
 * drops and reconnects (7.x closes every stream after an exception event),
 * 5xx answers and timeouts on reads, a start answered 5xx that did or did
 * not run, retention pruning, a token that expires, Ctrl-C, stdout closing,
 * and scripts of 0 to thousands of messages.
 *
 * The REAL follow room runs it (`follow`, with the plans the real commands
 * build: `startPlan`, `activityPlan`, the waits' plan) in-process, on the
 * virtual clock, with a scripted event feed and a scripted reader: the
 * server below, answering by virtual time. Nothing here sleeps.
 */

import fc from "fast-check";
import { exitCodeFor } from "../../src/cli/exit_codes.ts";
import { activityPlan } from "../../src/commands/activity/run.ts";
import { follow, type FollowPlan } from "../../src/commands/follow/follow.ts";
import type { ProcedureReader } from "../../src/commands/follow/follower.ts";
import type { EventFeed } from "../../src/commands/follow/subscription.ts";
import type { CommandContext } from "../../src/commands/framework/command_context.ts";
import { startPlan } from "../../src/commands/procedure/start.ts";
import type { StreamItem } from "../../src/api/events.ts";
import { AuthError, ConnectionError, HttpError } from "../../src/domain/errors.ts";
import type { ProcedureState } from "../../src/domain/states.ts";
import type { Activity, OetEvent, Procedure } from "../../src/domain/types.ts";
import { Output } from "./cli.ts";
import { VirtualClock } from "./virtual_clock.ts";

/** The reconnect window the runs use (OET_RECONNECT_TIMEOUT's default). */
const WINDOW_MS = 60_000;
/** What a read that times out costs (a short --request-timeout). */
const READ_TIMEOUT_MS = 10_000;
const PID = 7;
const T0 = 1_000_000;

/** One generated server timeline (times in ms after the command began). */
export interface Timeline {
  kind: "start" | "activity" | "wait";
  output: "table" | "jsonl";
  outcome: "COMPLETE" | "FAILED" | "STOPPED";
  /** How many messages the script says. */
  messages: number;
  /** Between two messages. */
  stepMs: number;
  /** From the request to RUNNING. */
  delayMs: number;
  /** When the stream delivers an event, minus when GET shows it: −30 (ahead) to +500 (behind). */
  lagMs: number;
  /** Intervals in which the stream is down (it reconnects at their end). */
  drops: { at: number; downMs: number; closedByServer: boolean }[];
  /** Intervals in which reads fail: a 5xx answer, or no answer within the request timeout. */
  readFaults: { at: number; ms: number; kind: "5xx" | "timeout" }[];
  /** A start answered 5xx that the server carried out ("ran") or not. */
  start5xx?: "ran" | "not-ran";
  /** A wait begins this long after the run began (maybe after its end). */
  waitAfterMs: number;
  /** The server prunes the procedure this long after it ended. */
  pruneAfterMs?: number;
  tokenExpiresAt?: number;
  sigintAt?: number;
  /** stdout closes after this many writes. */
  stdoutClosesAfter?: number;
  /** Events of other procedures, at these times. */
  noise: number[];
}

/** The timelines, shrinking towards small, calm ones. */
export function timelineArb(maxMessages = 3000): fc.Arbitrary<Timeline> {
  const when = fc.integer({ min: 0, max: 30_000 });
  return fc.record({
    kind: fc.constantFrom("start", "activity", "wait"),
    output: fc.constantFrom("table", "jsonl"),
    outcome: fc.constantFrom("COMPLETE", "COMPLETE", "FAILED", "STOPPED"),
    messages: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 12 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: maxMessages }) },
    ),
    stepMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 })),
    delayMs: fc.integer({ min: 1, max: 3_000 }),
    lagMs: fc.integer({ min: -30, max: 500 }),
    drops: fc.array(
      fc.record({
        at: when,
        downMs: fc.integer({ min: 0, max: 5_000 }),
        closedByServer: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    readFaults: fc.array(
      fc.record({
        at: when,
        ms: fc.oneof(
          { weight: 5, arbitrary: fc.integer({ min: 1, max: 20_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: WINDOW_MS + 1, max: 2 * WINDOW_MS }) },
        ),
        kind: fc.constantFrom("5xx", "timeout"),
      }),
      { maxLength: 2 },
    ),
    start5xx: fc.option(fc.constantFrom("ran", "not-ran"), { freq: 5, nil: undefined }),
    waitAfterMs: fc.integer({ min: 0, max: 20_000 }),
    pruneAfterMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { freq: 3, nil: undefined }),
    tokenExpiresAt: fc.option(when, { freq: 5, nil: undefined }),
    sigintAt: fc.option(when, { freq: 5, nil: undefined }),
    stdoutClosesAfter: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 6, nil: undefined }),
    noise: fc.array(when, { maxLength: 4 }),
  }) as fc.Arbitrary<Timeline>;
}

/** One event the server publishes for the procedure. */
interface Published {
  /** When GET shows it (a state change), or when it happens (a message). */
  g: number;
  /** When the stream delivers it. */
  d: number;
  event: OetEvent;
  state?: ProcedureState;
}

const stateEvent = (s: string): OetEvent => ({
  topic: "procedure.lifecycle.statechange",
  msgSrc: String(PID),
  data: { new_state: s },
});
const sayEvent = (n: number): OetEvent => ({
  topic: "user.script.announce",
  msgSrc: String(PID),
  data: { msg: `m${n}` },
});

/** The server: a procedure, its run, and what reads and the stream see, by virtual time. */
export class ScriptedServer implements ProcedureReader {
  readonly clock: VirtualClock;
  readonly tl: Timeline;
  /** The run's events, once it began. */
  published: Published[] = [];
  /** When the run's start request reached the server (undefined: it never ran). */
  runAt: number | undefined;
  /** When the stream was subscribed. */
  subscribedAt: number | undefined;
  reads = 0;

  constructor(clock: VirtualClock, tl: Timeline) {
    this.clock = clock;
    this.tl = tl;
    if (tl.kind === "wait") this.#run(T0 - tl.waitAfterMs);
  }

  /** The run begins at `at`: its events are scheduled. */
  #run(at: number): void {
    const tl = this.tl;
    this.runAt = at;
    let g = at + tl.delayMs;
    const out: Published[] = [];
    const push = (event: OetEvent, state?: ProcedureState) => {
      // The stream cannot bring an event before the request that caused it.
      const d = Math.max(at + 1, g + tl.lagMs);
      out.push({ g, d, event, state });
    };
    push(stateEvent("RUNNING"), "RUNNING");
    for (let i = 1; i <= tl.messages; i++) {
      g += tl.stepMs;
      push(sayEvent(i));
    }
    g += 1;
    if (tl.outcome === "COMPLETE") {
      push(stateEvent("READY"), "READY");
      g += 20;
      push(stateEvent("COMPLETE"), "COMPLETE");
    } else push(stateEvent(tl.outcome), tl.outcome);
    // Delivery order is publication order (one stream), even if lag varies.
    for (let i = 1; i < out.length; i++) out[i].d = Math.max(out[i].d, out[i - 1].d);
    this.published = out;
  }

  /** When GET first shows the run final. */
  get finalAt(): number | undefined {
    return this.published.at(-1)?.g;
  }

  #procedure(t: number): Procedure {
    const history: { state: ProcedureState; time: number }[] = [
      { state: "CREATING", time: 1 },
      { state: "IDLE", time: 2 },
      { state: "READY", time: 3 },
    ];
    let state: ProcedureState = "READY";
    for (const p of this.published) {
      if (!p.state || p.g > t) continue;
      history.push({ state: p.state, time: p.g / 1000 });
      state = p.state;
    }
    return {
      id: PID,
      script: { uri: "file:///scripts/x.py", type: "filesystem" },
      // The server records main's arguments on a start (a start on its way shows so).
      scriptArgs: this.runAt !== undefined && t >= this.runAt
        ? { main: { args: [], kwargs: {} } }
        : {},
      history,
      stacktrace: state === "FAILED" ? "Traceback\nValueError: no" : null,
      state,
      uri: `http://oet/procedures/${PID}`,
      raw: { id: PID, state: String(state), uri: `http://oet/procedures/${PID}` },
    };
  }

  /** A request's round trip (2 ms), and what a request meets then. */
  #request(what: string, read = true): void {
    if (this.clock.signal.aborted) throw this.clock.signal.reason;
    this.clock.advance(this.clock.t + 2);
    if (this.clock.signal.aborted) throw this.clock.signal.reason;
    const t = this.clock.t;
    if (this.tl.tokenExpiresAt !== undefined && t >= T0 + this.tl.tokenExpiresAt) {
      throw new AuthError(
        "expired",
        "not authenticated: the token from OET_TOKEN in the environment expired at 12:00:00 UTC; nothing was sent",
        { hint: "get a new token" },
      );
    }
    for (const f of read ? this.tl.readFaults : []) {
      if (t < T0 + f.at || t >= T0 + f.at + f.ms) continue;
      if (f.kind === "5xx") {
        throw new HttpError({
          status: 500,
          serverMessage: "Dead Listener called",
          method: "GET",
          url: `http://oet/${what}`,
        });
      }
      this.clock.advance(this.clock.t + READ_TIMEOUT_MS);
      if (this.clock.signal.aborted) throw this.clock.signal.reason;
      throw new ConnectionError("timeout", `http://oet/${what}`, "no answer within 10 s");
    }
  }

  getProcedure(pid: number): Promise<Procedure> {
    try {
      this.reads++;
      this.#request(`procedures/${pid}`);
      const t = this.clock.t;
      const end = this.finalAt;
      if (
        this.tl.pruneAfterMs !== undefined && end !== undefined &&
        t >= end + this.tl.pruneAfterMs
      ) {
        throw new HttpError({
          status: 404,
          serverMessage: `No information available for PID=${pid}`,
          method: "GET",
          url: `http://oet/procedures/${pid}`,
          resourceMissing: true,
        });
      }
      return Promise.resolve(this.#procedure(t));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  listProcedures(): Promise<Procedure[]> {
    return this.getProcedure(PID).then((p) => [p]);
  }

  /** The start request (`procedure start`). */
  startProcedure(_pid: number): Promise<Procedure> {
    try {
      const before = this.#procedure(this.clock.t);
      this.#request(`procedures/${PID}`, false);
      if (this.tl.start5xx !== "not-ran") this.#run(this.clock.t);
      if (this.tl.start5xx) {
        throw new HttpError({
          status: 500,
          serverMessage: "Internal Server Error",
          method: "PUT",
          url: `http://oet/procedures/${PID}`,
        });
      }
      return Promise.resolve(before);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The activity request (`activity run`). */
  runActivity(): Promise<Activity> {
    try {
      this.#request("activities", false);
      this.#run(this.clock.t);
      return Promise.resolve({
        id: 1,
        name: "observe",
        sbdId: "sbd-1",
        sbiId: null,
        procedureId: PID,
        prepareOnly: false,
        scriptArgs: {},
        history: [],
        state: "TODO",
        uri: "http://oet/activities/1",
        raw: { id: 1, state: "TODO", procedure_id: PID },
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The stream's items, in delivery order, as they stand now. */
  items(): { d: number; item: StreamItem; event?: Published; reconnect?: boolean }[] {
    const from = this.subscribedAt!;
    const downs = this.tl.drops.map((x) => ({
      from: T0 + x.at,
      to: T0 + x.at + Math.max(x.downMs, 1),
      closedByServer: x.closedByServer,
    })).filter((x) => x.from >= from);
    const down = (d: number) => downs.some((x) => d >= x.from && d < x.to);
    const out: { d: number; item: StreamItem; event?: Published; reconnect?: boolean }[] = [];
    for (const p of this.published) {
      if (p.d < from || down(p.d)) continue;
      out.push({ d: p.d, item: { kind: "events", events: [p.event] }, event: p });
    }
    for (const x of downs) {
      out.push({
        d: x.to,
        reconnect: true,
        item: {
          kind: "open",
          reconnected: true,
          gap: {
            from: x.from,
            to: x.to,
            reason: x.closedByServer ? "the server closed the event stream" : "connection lost",
          },
        },
      });
    }
    for (const n of this.tl.noise) {
      const d = T0 + n;
      if (d < from || down(d)) continue;
      out.push({
        d,
        item: {
          kind: "events",
          events: [{ topic: "request.procedure.list", msgSrc: "FlaskWorker", data: {} }],
        },
      });
    }
    // At equal times a reconnection comes first (the events are on the new
    // connection); otherwise the order above.
    return out.map((x, i) => ({ x, i })).sort((a, b) =>
      a.x.d - b.x.d || Number(!!b.x.reconnect) - Number(!!a.x.reconnect) || a.i - b.i
    ).map((y) => y.x);
  }
}

/** The stream as the follower pulls it: items at their delivery times, in order. */
export class ScriptedFeed implements EventFeed {
  readonly #server: ScriptedServer;
  /** Items handed over so far. */
  taken: { d: number; event?: Published; reconnect?: boolean }[] = [];
  closed = false;

  constructor(server: ScriptedServer) {
    this.#server = server;
    server.subscribedAt = server.clock.t;
  }

  next(ms: number): Promise<StreamItem | undefined> {
    const clock = this.#server.clock;
    if (clock.signal.aborted) return Promise.reject(clock.signal.reason);
    const head = this.#server.items()[this.taken.length];
    const limit = clock.t + Math.max(0, ms);
    if (head && head.d <= limit) {
      clock.advance(head.d);
      if (clock.signal.aborted) return Promise.reject(clock.signal.reason);
      this.taken.push(head);
      return Promise.resolve(head.item);
    }
    clock.advance(limit);
    if (clock.signal.aborted) return Promise.reject(clock.signal.reason);
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** What one run of a timeline gave. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  error?: unknown;
  /** Virtual time at the end, ms after the command began. */
  endMs: number;
  server: ScriptedServer;
  feed: ScriptedFeed | undefined;
}

/** Runs the real follow room on one timeline. */
export async function runTimeline(tl: Timeline): Promise<Outcome> {
  const clock = new VirtualClock(T0);
  if (tl.sigintAt !== undefined) clock.alarm(T0 + tl.sigintAt);
  const server = new ScriptedServer(clock, tl);
  const out = new Output(false, false, tl.stdoutClosesAfter);
  const err = new Output(false, false);
  const io = { out, err };
  const ctx = {
    io,
    client: () => server,
    clock,
    random: () => 0.5,
    signal: clock.signal,
    reconnectWindowMs: WINDOW_MS,
  } as unknown as CommandContext;
  let feed: ScriptedFeed | undefined;
  const readyProcedure = (): Procedure => ({
    id: PID,
    script: { uri: "file:///scripts/x.py", type: "filesystem" },
    scriptArgs: {},
    history: [{ state: "READY", time: 1 }],
    stacktrace: null,
    state: "READY",
    uri: `http://oet/procedures/${PID}`,
    raw: { id: PID, state: "READY" },
  });
  const what: FollowPlan["what"] = tl.kind === "start"
    ? startPlan(server, readyProcedure(), { args: [], kwargs: {} })
    : tl.kind === "activity"
    ? activityPlan(ctx, server, {
      activityName: "observe",
      sbdId: "sbd-1",
      scriptArgs: {},
      prepareOnly: false,
      createEnv: false,
    })
    : {
      kind: "wait",
      pid: PID,
      label: `procedure ${PID}`,
      followCommand: `oet procedure wait --pid ${PID}`,
    };
  let code = 0;
  let error: unknown;
  try {
    await follow(ctx, {
      what,
      output: tl.output,
      listen: true,
      prepareTimeoutMs: 120_000,
    }, {
      subscribe: () => Promise.resolve(feed = new ScriptedFeed(server)),
      reader: server,
      env: ctx,
      interactive: false,
    });
  } catch (e) {
    error = e;
    code = exitCodeFor(e);
    // What the CLI prints of an error (src/cli/main.ts): its message and its hint lines.
    const hint = (e as { hint?: string }).hint;
    err.text += `error: ${(e as Error).message}\n${
      hint ? hint.split("\n").map((h) => `hint: ${h}\n`).join("") : ""
    }`;
  }
  return { code, stdout: out.text, stderr: err.text, error, endMs: clock.t - T0, server, feed };
}

/** The events a run printed (the procedure's own), as `State: X` / `Says: mN`. */
function printedEvents(o: Outcome, tl: Timeline): string[] {
  if (tl.output === "jsonl") {
    const lines = o.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    return lines.filter((l) => typeof l.topic === "string" && l.topic !== "oet.stream.gap").map((
      l,
    ) => l.topic.endsWith("statechange") ? `State: ${l.data.new_state}` : `Says: ${l.data.msg}`);
  }
  const events = o.stdout.split("\nEvents\n------\n\n")[1] ?? "";
  return events.split("\n").filter(Boolean).map((l) =>
    l.startsWith("- State: ")
      ? `State: ${l.slice(9)}`
      : `Says: ${l.replace(/^- Script message: /, "")}`
  );
}

const name = (p: Published): string =>
  p.event.topic.endsWith("statechange")
    ? `State: ${p.event.data.new_state}`
    : `Says: ${p.event.data.msg}`;

/** The exit status the exit table gives a confirmed outcome. */
const EXIT_OF: Record<string, number> = { COMPLETE: 0, FAILED: 3, STOPPED: 3 };

/**
 * The invariants (issue 19): throws an Error naming the one that broke.
 * - every event the server published for the procedure while the stream
 *   was up is printed exactly once and in order (all of them when the
 *   outcome was confirmed and the stream brought the final state change;
 *   a prefix when the command detached);
 * - each down interval the command read past gives one gap note;
 * - the exit status is the exit table's function of the confirmed outcome,
 *   or of the one fault that ended the wait; never 0 without a confirmed
 *   COMPLETE;
 * - the command ends within a bounded virtual time;
 * - nothing is printed after the last line.
 */
export async function checkTimeline(tl: Timeline): Promise<void> {
  const o = await runTimeline(tl);
  const fail = (what: string): never => {
    throw new Error(
      `${what}\nexit ${o.code} at +${o.endMs} ms\n--- stdout\n${
        o.stdout.slice(-2000)
      }\n--- stderr\n${o.stderr.slice(-2000)}`,
    );
  };
  // Nothing after the last line: once the command has returned, nothing writes.
  const [out, err] = [o.stdout.length, o.stderr.length];
  await new Promise((r) => setTimeout(r, 0));
  if (o.feed && !o.feed.closed) fail("the event stream was left open");

  const final = o.server.published.at(-1);
  const ran = o.server.runAt !== undefined;
  // Never 0 without a confirmed COMPLETE.
  if (o.code === 0 && (!ran || tl.outcome !== "COMPLETE")) fail("exit 0 without a COMPLETE run");

  // The exit status: the confirmed outcome, or a fault the timeline holds.
  const allowed = new Set<number>();
  if (ran) allowed.add(EXIT_OF[tl.outcome]);
  if (tl.pruneAfterMs !== undefined) allowed.add(3);
  // `procedure wait` on an id the server does not have (pruned before the wait began): its 404.
  if (tl.kind === "wait" && tl.pruneAfterMs !== undefined && o.server.subscribedAt === undefined) {
    allowed.add(1);
  }
  if (tl.sigintAt !== undefined) allowed.add(130);
  if (tl.stdoutClosesAfter !== undefined) allowed.add(141);
  if (tl.tokenExpiresAt !== undefined) allowed.add(5);
  // A start answered 5xx is watched for 2 s: one that has not run by then is an error.
  if (tl.start5xx && tl.kind === "start") allowed.add(1);
  for (const f of tl.readFaults) {
    if (f.ms >= WINDOW_MS) allowed.add(f.kind === "5xx" ? 1 : 4);
  }
  if (!allowed.has(o.code)) {
    fail(`exit ${o.code} is not one this timeline allows (${[...allowed]})`);
  }
  if (o.code === 130 && o.endMs !== tl.sigintAt) fail("Ctrl-C did not end it at once");
  // Work oet started, or a wait under way (subscribed), is never "nothing was sent".
  const started = tl.kind === "wait" ? o.server.subscribedAt !== undefined : ran;
  if (o.code === 5 && started && /nothing was sent/.test(o.stderr)) {
    fail('"nothing was sent" about work that was started');
  }
  if ([1, 4, 5].includes(o.code) && ran && o.server.subscribedAt !== undefined) {
    if (!/oet procedure wait --pid 7|oet activity wait --aid 1/.test(o.stderr)) {
      fail("a wait that ended on a fault does not say how to follow the work again");
    }
  }

  // Bounded: from the outcome (or the last fault) to the end.
  let settled = Math.max(
    (final?.d ?? T0) - T0,
    ...tl.readFaults.map((f) => f.at + f.ms),
    ...tl.drops.map((x) => x.at + x.downMs),
  );
  if (tl.kind === "start" && tl.start5xx) settled += 2_000;
  const bound = settled + 15_000 + 2_000 + READ_TIMEOUT_MS + WINDOW_MS;
  if (o.endMs > bound) fail(`ended ${o.endMs} ms in, past the bound ${bound} ms`);

  // Events: exactly once, in order, a prefix of what the stream brought.
  const expected = (o.feed?.taken ?? []).filter((x) => x.event).map((x) => name(x.event!));
  const printed = printedEvents(o, tl);
  const tail = tl.output === "table" && final && printed.at(-1) === `State: ${tl.outcome}` &&
      expected.at(-1) !== `State: ${tl.outcome}`
    ? printed.slice(0, -1) // the end line `finish` adds when the stream did not bring it
    : printed;
  const shown = tail.length;
  if (expected.slice(0, shown).join("|") !== tail.join("|")) {
    fail(
      `events printed ${JSON.stringify(tail.slice(0, 20))}… are not the stream's ${
        JSON.stringify(expected.slice(0, 20))
      }…`,
    );
  }
  const detached = ![0, 3].includes(o.code);
  if (!detached && shown !== expected.length) {
    fail(`${expected.length - shown} events the stream brought were not printed`);
  }
  // A confirmed outcome whose final state change the stream brought: all of the run from the subscription.
  if (
    !detached && ran && final && o.server.subscribedAt !== undefined &&
    o.code === EXIT_OF[tl.outcome]
  ) {
    const upFrom = o.server.subscribedAt;
    const lost = (d: number) =>
      tl.drops.some((x) =>
        T0 + x.at >= upFrom && d >= T0 + x.at && d < T0 + x.at + Math.max(x.downMs, 1)
      );
    const all = o.server.published.filter((p) => p.d >= upFrom && !lost(p.d)).map(name);
    if (!lost(final.d) && final.d >= upFrom && tail.join("|") !== all.join("|")) {
      fail(
        `printed ${tail.length} events, the server published ${all.length} while the stream was up`,
      );
    }
  }
  // One gap note per down interval read past (and one jsonl gap line each).
  const reconnects = (o.feed?.taken ?? []).filter((x) => x.reconnect).length;
  const notes = (o.stderr.match(/UTC may be missing \(/g) ?? []).length;
  if (notes !== reconnects) fail(`${notes} gap notes for ${reconnects} reconnections`);
  if (tl.output === "jsonl" && tl.stdoutClosesAfter === undefined) {
    const gaps = (o.stdout.match(/"topic":"oet\.stream\.gap"/g) ?? []).length;
    if (gaps !== reconnects) fail(`${gaps} jsonl gap lines for ${reconnects} reconnections`);
    // The last line is the work's object (the final one, or the last read on a detach).
    const last = o.stdout.trimEnd().split("\n").at(-1);
    if (o.code === 0 || o.code === 3) {
      if (!last || "topic" in JSON.parse(last)) {
        fail("-o jsonl does not end with the work's object");
      }
    }
  }
  if (o.stdout.length !== out || o.stderr.length !== err) {
    fail("something was printed after the end");
  }
}
