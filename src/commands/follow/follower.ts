/**
 * Following a procedure to its end: the one mechanism behind `procedure
 * start`, `activity run`, `procedure wait` and `activity wait` (kubectl's
 * `wait` is the model: subscribe, read the state, then wait for a condition
 * with a deadline, so that nothing falls between the two).
 *
 * The rules it keeps (docs/servers.md, "Timing" and "The event stream"):
 * - The final state is always confirmed with a GET, never taken from the
 *   stream alone. A state change to a final state triggers the GET; so does
 *   every reconnection of the stream (7.x closes streams itself, and there
 *   is no replay), and a periodic check (a silent stream may be dead).
 * - Nothing the stream delivered is dropped: once GET shows the run final,
 *   the follower reads on until the procedure's own final state change has
 *   arrived, within FINAL_EVENT_GRACE_MS (on loopback the stream is 2–26 ms
 *   ahead of GET; behind a proxy or a loaded server the order can turn), and
 *   says so if it does not come.
 * - A reconnection is a gap: events published while the stream was down are
 *   lost, and the follower says which interval.
 * - A long, quiet observation is not a stall (the OET sends no
 *   keep-alives); a procedure that stays in preparation, or does not start
 *   running once its start was sent, is — once, at one deadline.
 * - A server that stays unreachable longer than the reconnect window ends
 *   the wait with a ConnectionError; a procedure the server has pruned ends
 *   it with the outcome UNKNOWN.
 *
 * Every wait goes through `EventFeed.next` and `Clock.sleep`, so the unit
 * tests drive it with a scripted feed and a virtual clock
 * (tests/unit/follow_test.ts).
 */

import { backoffDelay } from "../../api/events.ts";
import { formatDuration } from "../../domain/duration.ts";
import {
  ConnectionError,
  HttpError,
  OetError,
  RemoteFailureError,
  WaitTimeoutError,
} from "../../domain/errors.ts";
import { announcedState, isFinal, isPreparing, type ProcedureState } from "../../domain/states.ts";
import { isJsonObject, type OetEvent, type Procedure, type StreamGap } from "../../domain/types.ts";
import type { Clock } from "../../domain/clock.ts";
import type { EventFeed } from "./subscription.ts";
import { oetCommand, type TargetAware } from "../shared/target/hint.ts";

/** How often a waiting command re-reads the state when nothing happens. */
export const CHECK_INTERVAL_MS = 15_000;
/** How often it polls while a procedure is being prepared. */
export const PREPARE_POLL_MS = 500;
/** How soon it re-reads after the stream announced a final state. */
export const CONFIRM_POLL_MS = 250;
/**
 * How long it reads on, once GET shows a run final, for the procedure's own
 * final state change (and the events before it) to arrive on the stream.
 */
export const FINAL_EVENT_GRACE_MS = 2_000;

/** The REST reads a follower makes (OetClient has them; tests script them). */
export interface ProcedureReader {
  getProcedure(pid: number): Promise<Procedure>;
  listProcedures(): Promise<Procedure[]>;
}

/** Time, randomness and the interrupt: what a follower takes from its command. */
export interface FollowEnv extends TargetAware {
  clock: Clock;
  random(): number;
  signal: AbortSignal;
  /** How long the server may stay unreachable before the wait gives up. */
  reconnectWindowMs: number;
}

/**
 * A condition of the wait (kubectl's `wait --for`): it sees every fresh read
 * of the procedure, and an error it returns ends the wait. With `at` it is
 * looked at only from that time on (ms since the epoch), and the wait wakes
 * up for it then even if nothing arrives: a stall is noticed at its
 * deadline, not a poll later.
 */
export interface Condition {
  at?: number;
  check(p: Procedure, look: Look): Error | undefined | Promise<Error | undefined>;
}

/** What a condition may look at besides the procedure. */
export interface Look {
  /** The event stream was reopened just before this read (a 7.x server closes streams itself). */
  reconnected: boolean;
  /** The server's procedure list, read as the procedure is (retried). */
  list(): Promise<Procedure[]>;
}

/** Where a follower hands on what it sees: the events, the gaps, and notes for the person. */
export interface FollowSink {
  /** One event of this procedure, in order. */
  event(e: OetEvent): void;
  /** An interval in which the stream was down. */
  gap(gap: StreamGap): void;
  /** A note (stderr in the CLI). */
  note(message: string): void;
}

/** Settings of one follower. */
export interface FollowerOptions {
  pid: number;
  /** The event stream; without one the state is polled. */
  feed?: EventFeed;
  reader: ProcedureReader;
  env: FollowEnv;
  /** Stop waiting (WaitTimeoutError, exit 124) at this time (ms since the epoch). */
  deadline?: number;
  /** `--timeout` as messages show it. */
  timeoutText?: string;
  /** Names the work in messages: "procedure 3", "activity 2 (procedure 5)". */
  label: string;
  /** The command that follows it again: "oet procedure wait --pid 3". */
  followCommand: string;
  /**
   * The run is live: oet started it, or it was not final when the wait
   * began, so its end is always drained from the stream however soon a read
   * shows it. Absent: live unless already final at the first read.
   */
  live?: boolean;
  /**
   * The procedure is known to exist (oet started it, or read it before
   * following it), so a 404 means the server pruned it: outcome UNKNOWN.
   */
  exists?: boolean;
  /** Receives the events, gaps and notes. */
  sink: FollowSink;
}

/** Options of one wait. */
export interface UntilOptions {
  /** How often to re-read the state when nothing arrives. */
  pollMs?: number;
  /** Each fresh read must pass every one of these. */
  conditions?: readonly Condition[];
}

/** A failure a read is retried after: no connection, or any 5xx (reads are idempotent). */
function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof HttpError && err.status >= 500);
}

/**
 * Runs one read, retrying connection failures and every 5xx within the
 * reconnect window: reads are idempotent, and a server answers an
 * occasional 500 to one (7.0.0's pypubsub "Dead Listener" bug, live). A
 * 5xx is noted once per outage; when the window ends the last error
 * stands.
 */
export async function retried<T>(
  env: FollowEnv,
  sink: Pick<FollowSink, "note">,
  what: string,
  read: () => Promise<T>,
): Promise<T> {
  let firstFailure: number | undefined;
  for (let attempt = 0;; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (env.signal.aborted) throw env.signal.reason;
      if (!isTransient(err)) throw err;
      firstFailure ??= env.clock.now();
      if (env.clock.now() - firstFailure >= env.reconnectWindowMs) throw err;
      if (attempt === 0 && err instanceof HttpError) {
        sink.note(
          `the server answered a read of ${what} with ${err.message}; trying again for up to ${
            formatDuration(env.reconnectWindowMs)
          }`,
        );
      }
      await env.clock.sleep(backoffDelay(attempt, env.random), env.signal);
    }
  }
}

/** Follows one procedure. */
export class Follower {
  readonly #o: FollowerOptions;
  /** States this procedure's state-change events announced, in order. */
  readonly #states: ProcedureState[] = [];
  /** Request ids of starts of this procedure (a 5.x/6.x refusal names one). */
  readonly #startIds = new Set<string>();
  /** Whether the procedure was still going at the first read (so its end is seen live). */
  #live: boolean | undefined;
  #exists = false;
  #gaps = 0;
  #last: Procedure | undefined;
  /** The server answered 404 for the procedure after it existed: pruned. */
  #gone = false;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.#live = options.live;
    this.#exists = options.exists ?? false;
  }

  /** The procedure this follower follows. */
  get pid(): number {
    return this.#o.pid;
  }

  /** True once the server no longer has the procedure (pruned after it ended). */
  get gone(): boolean {
    return this.#gone;
  }

  /** The procedure as last read, if it was read. */
  get last(): Procedure | undefined {
    return this.#last;
  }

  /** True once a state change of this procedure to `state` has arrived on the stream. */
  sawState(state: ProcedureState): boolean {
    return this.#states.includes(state);
  }

  /**
   * Reads the procedure, retrying within the reconnect window (see
   * `#retried`). A procedure the server no longer has after it was seen was
   * pruned (only finished ones are): its outcome is unknown.
   */
  async read(): Promise<Procedure> {
    const { pid, reader } = this.#o;
    try {
      const p = await retried(
        this.#o.env,
        this.#o.sink,
        `procedure ${pid}`,
        () => reader.getProcedure(pid),
      );
      this.#exists = true;
      this.#last = p;
      return p;
    } catch (err) {
      if (this.#exists && err instanceof HttpError && err.resourceMissing) {
        this.#gone = true;
        throw this.#pruned();
      }
      throw err;
    }
  }

  /** The server's procedure list, retried as `read` is. */
  list(): Promise<Procedure[]> {
    return retried(
      this.#o.env,
      this.#o.sink,
      "the procedure list",
      () => this.#o.reader.listProcedures(),
    );
  }

  #pruned(): RemoteFailureError {
    const { pid, label } = this.#o;
    const said = this.#states.at(-1);
    return new RemoteFailureError(
      "UNKNOWN",
      `${label} is no longer known to the server (it keeps only the 10 most recent finished procedures), so its outcome cannot be confirmed${
        said ? `; the event stream last said ${said}` : ""
      }`,
      `see what the server still has: ${
        oetCommand(this.#o.env, "procedure list")
      }; procedure ${pid} is gone`,
    );
  }

  /**
   * Hands one feed item on. Returns whether the state should be re-read
   * now, and whether the stream was reopened.
   */
  #take(
    item: NonNullable<Awaited<ReturnType<EventFeed["next"]>>>,
  ): { recheck: boolean; confirming: boolean; reconnected: boolean } {
    if (item.kind === "open") {
      if (item.reconnected) {
        this.#gaps++;
        this.#o.sink.gap(item.gap);
      }
      return { recheck: item.reconnected, confirming: false, reconnected: item.reconnected };
    }
    let recheck = false;
    let confirming = false;
    const source = String(this.#o.pid);
    for (const e of item.events) {
      this.#refusedStart(e);
      if (e.msgSrc !== source) continue;
      this.#o.sink.event(e);
      if (e.topic !== "procedure.lifecycle.statechange") continue;
      const state = announcedState(e);
      this.#states.push(state);
      if (isFinal(state) || !isPreparing(state)) recheck = true;
      if (isFinal(state)) confirming = true;
    }
    return { recheck, confirming, reconnected: false };
  }

  /**
   * Notes the request ids of starts of this procedure, and throws when the
   * server answers one of them with an exception (a 5.x/6.x server reports a
   * refused start so: it will never run).
   */
  #refusedStart(e: OetEvent): void {
    if (!e.id) return;
    const pid = this.#o.pid;
    const cmd = isJsonObject(e.data.cmd) ? e.data.cmd : undefined;
    if (e.topic === "request.procedure.start" && Number(cmd?.process_uid) === pid) {
      this.#startIds.add(e.id);
    }
    const result = e.data.result;
    if (
      e.topic === "procedure.lifecycle.started" && this.#startIds.has(e.id) &&
      isJsonObject(result) && typeof result.exception === "string"
    ) {
      throw new OetError(
        `the server could not start procedure ${pid}: ${result.exception}: ${
          String(result.message ?? "")
        }`,
        {
          hint: `see its state with: ${oetCommand(this.#o.env, `procedure describe --pid ${pid}`)}`,
        },
      );
    }
  }

  #checkDeadline(): void {
    const { deadline, env, label, timeoutText, followCommand } = this.#o;
    if (deadline !== undefined && env.clock.now() >= deadline) {
      throw new WaitTimeoutError(
        `${label} did not finish within ${timeoutText ?? "the timeout"}`,
        { hint: `it is still going; follow it with: ${followCommand}` },
      );
    }
  }

  /**
   * Waits until `done(procedure)` holds, and returns the procedure. Events
   * of the procedure are handed on as they arrive.
   */
  async until(done: (p: Procedure) => boolean, o: UntilOptions = {}): Promise<Procedure> {
    const { env, feed, deadline } = this.#o;
    const pollMs = o.pollMs ?? CHECK_INTERVAL_MS;
    const conditions = o.conditions ?? [];
    let p = await this.read();
    this.#live ??= !isFinal(p.state);
    let confirming = false;
    let reconnected = false;
    const look = (): Look => ({ reconnected, list: () => this.list() });
    for (;;) {
      if (done(p)) return p;
      for (const c of conditions) {
        if (c.at !== undefined && env.clock.now() < c.at) continue;
        const failed = await c.check(p, look());
        if (failed) throw failed;
      }
      reconnected = false;
      this.#checkDeadline();
      const now = env.clock.now();
      let wait = confirming ? CONFIRM_POLL_MS : pollMs;
      if (deadline !== undefined) wait = Math.min(wait, deadline - now);
      for (const c of conditions) {
        if (c.at !== undefined && c.at > now) wait = Math.min(wait, c.at - now);
      }
      wait = Math.max(0, wait);
      if (!feed) {
        await env.clock.sleep(wait, env.signal);
        p = await this.read();
        continue;
      }
      const item = await feed.next(wait);
      if (!item) {
        p = await this.read();
        continue;
      }
      const taken = this.#take(item);
      confirming ||= taken.confirming;
      reconnected = taken.reconnected;
      if (taken.reconnected || taken.recheck) p = await this.read();
    }
  }

  /**
   * Like `until`, but gives up at `limitAt` (ms since the epoch) and then
   * returns undefined.
   */
  async within(
    done: (p: Procedure) => boolean,
    limitAt: number,
    o: UntilOptions = {},
  ): Promise<Procedure | undefined> {
    const limit = new Error("limit");
    try {
      return await this.until(done, {
        ...o,
        conditions: [...(o.conditions ?? []), { at: limitAt, check: () => limit }],
      });
    } catch (err) {
      if (err === limit) return undefined;
      throw err;
    }
  }

  /**
   * Waits until the procedure is final (confirmed by GET), then reads on
   * until its own final state change has arrived, so that every event it
   * published is handed on (see FINAL_EVENT_GRACE_MS). Returns the final
   * procedure.
   */
  async final(o: UntilOptions = {}): Promise<Procedure> {
    let p;
    try {
      p = await this.until((q) => isFinal(q.state), o);
    } catch (err) {
      if (!this.#gone) throw err;
      // Pruned (it ended, and ten more after it): what the stream still
      // brings of its end is shown before its outcome is said to be unknown.
      await this.#drain((s) => isFinal(s));
      throw this.#pruned();
    }
    await this.#drain((s) => s === p.state, p.state);
    return p;
  }

  /**
   * Reads on, within FINAL_EVENT_GRACE_MS, until a state change `ends` the
   * procedure's events; `state` names the confirmed end in the note that
   * says when that change did not come.
   */
  async #drain(ends: (s: ProcedureState) => boolean, state?: ProcedureState): Promise<void> {
    const { env, feed, label } = this.#o;
    const seen = () => this.#states.some(ends);
    // Seen ended at the first read (`procedure wait` after the end): nothing is in flight.
    if (!this.#live || !feed || seen()) return;
    const gapsBefore = this.#gaps;
    const until = env.clock.now() + FINAL_EVENT_GRACE_MS;
    while (!seen()) {
      const left = until - env.clock.now();
      if (left <= 0) break;
      const item = await feed.next(left);
      if (!item) break;
      this.#take(item);
    }
    // A gap already said that events may be missing.
    if (state !== undefined && !seen() && this.#gaps === gapsBefore && this.#gaps === 0) {
      this.#o.sink.note(
        `${label} is ${state}, but the event stream did not bring its final state change within ${
          formatDuration(FINAL_EVENT_GRACE_MS)
        }: some of its last events may be missing above`,
      );
    }
  }
}
