/**
 * The one skeleton of the commands that wait (`procedure start`, `activity
 * run`, `procedure wait`, `activity wait`): subscribe first, one deadline
 * for `--timeout` and one for a stalled start, the command's own beginning
 * (pick, prepare, send), then follow the procedure to its end, print, and
 * turn an interrupt, a closed stdout or a lost server into a detach that
 * says how to follow or stop the work. The stream is closed, and the server
 * nudged to notice, whatever happens.
 */

import type { OetClient } from "../../api/client.ts";
import { formatDuration } from "../../domain/duration.ts";
import {
  AuthError,
  ConnectionError,
  DetachedError,
  HttpError,
  InterruptedError,
  OetError,
  OutputClosedError,
  StalledError,
} from "../../domain/errors.ts";
import { isPreparing } from "../../domain/states.ts";
import type { OetEvent, Procedure } from "../../domain/types.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { EventPrinter } from "./event_printer.ts";
import { note } from "../framework/feedback.ts";
import { Follower, type Stall } from "./follower.ts";
import type { Duration } from "../framework/options.ts";
import { Subscription } from "./subscription.ts";
import { writeProcedures } from "../shared/output/procedures.ts";

/** What is being followed, once the work is under way. */
export interface Followed {
  pid: number;
  /** Names the work in messages: "procedure 3", "activity 2 (procedure 5)". */
  label: string;
  /** The command that follows it again after a detach. */
  followCommand: string;
  /**
   * RUNNING entries the procedure's history had when this command sent its
   * start (0 for a new activity); absent when only waiting. With it, a
   * procedure that does not start running is a stall, and a refused start
   * is recognised.
   */
  runsBefore?: number;
  /** The procedure as the command last saw it (the start's answer), if it did. */
  known?: Procedure;
  /** Writes the machine-readable result when it is not the procedure (an activity). */
  writeResult?(final: Procedure): Promise<void>;
  /** A stall rule of its own (instead of the one `runsBefore` implies). */
  stall?: Stall;
  /** Sees every fresh read of the procedure, and may throw. */
  check?(p: Procedure): void;
}

const STUCK_HINT =
  "the server may be stuck (a known OET race leaves procedures in CREATING for ever); check the server logs, or raise --prepare-timeout";

/** One run of a waiting command. */
export class Session {
  readonly ctx: CommandContext;
  readonly client: OetClient;
  readonly printer: EventPrinter;
  readonly feed: Subscription | undefined;
  /** When `--timeout` runs out (ms since the epoch). */
  readonly deadline: number | undefined;
  readonly timeoutText: string | undefined;
  /** When a procedure that has not started running is stalled (computed once). */
  readonly stallAt: number;
  readonly #prepareTimeoutMs: number;
  #followers = new Map<number, Follower>();
  /** Events held until the row is printed (undefined: printed as they come). */
  #held: OetEvent[] | undefined = [];
  /** Until this run's RUNNING arrives, events of the procedure are from before its start. */
  #beforeRun = false;
  #underway: Followed | undefined;

  constructor(
    ctx: CommandContext,
    client: OetClient,
    o: {
      output: OutputFormat;
      feed?: Subscription;
      timeout?: Duration;
      prepareTimeoutMs: number;
    },
  ) {
    this.ctx = ctx;
    this.client = client;
    this.printer = new EventPrinter(ctx, o.output);
    this.feed = o.feed;
    const now = ctx.clock.now();
    this.deadline = o.timeout ? now + o.timeout.ms : undefined;
    this.timeoutText = o.timeout?.text;
    this.#prepareTimeoutMs = o.prepareTimeoutMs;
    this.stallAt = now + o.prepareTimeoutMs;
  }

  /** The work this command follows, once it is under way (for detach messages). */
  get underway(): Followed | undefined {
    return this.#underway;
  }

  /** The follower of a procedure (one per procedure and run). */
  follower(
    pid: number,
    label = `procedure ${pid}`,
    followCommand = `oet procedure wait --pid ${pid}`,
  ): Follower {
    let f = this.#followers.get(pid);
    if (!f) {
      f = new Follower({
        pid,
        feed: this.feed,
        reader: this.client,
        env: this.ctx,
        deadline: this.deadline,
        timeoutText: this.timeoutText,
        label,
        followCommand,
        // Started by this command, or not final when its wait began.
        live: true,
        onEvent: (e) => this.#event(e),
        onGap: (gap) => {
          // Past a gap there is no telling which events came before the start.
          this.#beforeRun = false;
          this.printer.gap(gap);
        },
        onNote: (m) => note(this.ctx.io, m),
      });
      this.#followers.set(pid, f);
    }
    return f;
  }

  #event(e: OetEvent): void {
    if (this.#beforeRun) {
      // The stream may still carry the preparation (READY, an init message):
      // not this run's. Its first state change after the start is RUNNING.
      if (e.topic !== "procedure.lifecycle.statechange") return;
      const state = String(e.data.new_state);
      if (isPreparing(state) || state === "READY") return;
      this.#beforeRun = false;
    }
    if (this.#held) this.#held.push(e);
    else this.printer.event(e);
  }

  /**
   * The start is about to be sent: forgets the events held so far, and
   * skips the procedure's events until its run begins (a RUNNING, or a
   * final state).
   */
  startSent(): void {
    if (this.#held) this.#held = [];
    this.#beforeRun = true;
  }

  /** Marks the work as under way: from now on an interrupt detaches. */
  started(followed: Followed): void {
    this.#underway = followed;
  }

  /**
   * On a detach, `-o jsonl` ends as a finished wait does: with the object
   * of the work as last read (its state not final), so that a script
   * reading the lines always gets a last object.
   */
  async detachedResult(w: Followed): Promise<void> {
    if (this.printer.format !== "jsonl") return;
    const last = this.#followers.get(w.pid)?.last ?? w.known;
    if (!last) return;
    try {
      if (w.writeResult) await w.writeResult(last);
      else await writeProcedures(this.ctx.io, [last], "jsonl", true);
    } catch {
      // stdout is gone: the detach says the rest.
    }
  }

  /** Prints the events held so far, and every later one as it comes. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const e of held) this.printer.event(e);
  }

  /** The stall rule while a procedure is being prepared. */
  prepareStall(pid: number): Stall {
    return {
      at: this.stallAt,
      check: (p) =>
        isPreparing(p.state)
          ? new StalledError(
            `procedure ${pid} is still ${p.state} after ${
              formatDuration(this.#prepareTimeoutMs)
            } of preparation`,
            { hint: STUCK_HINT },
          )
          : undefined,
    };
  }

  /** The stall rule once a start was sent: the procedure must start running. */
  startStall(pid: number, runsBefore: number): Stall {
    return {
      at: this.stallAt,
      check: (p) => {
        const runs = runCount(p);
        const waiting = isPreparing(p.state) || (p.state === "READY" && runs <= runsBefore);
        return waiting
          ? new StalledError(
            `procedure ${pid} has not started running ${
              formatDuration(this.#prepareTimeoutMs)
            } after the start request (it is ${p.state})`,
            { hint: STUCK_HINT },
          )
          : undefined;
      },
    };
  }
}

/** How many times a procedure's history says it started running. */
export function runCount(p: Procedure): number {
  return p.history.filter((e) => e.state === "RUNNING").length;
}

/**
 * Runs a waiting command: `begin` does the command's own part (find the
 * procedure, send the request, print the row; it calls `session.started`
 * once the work is under way) and returns what to follow, or undefined when
 * there is nothing to wait for (`--listen=False`, prepare-only). Then the
 * procedure is followed to its end and the outcome printed (exit 0 only on
 * a confirmed COMPLETE).
 */
export async function followRun(
  ctx: CommandContext,
  o: {
    client: OetClient;
    output: OutputFormat;
    listen: boolean;
    timeout?: Duration;
    prepareTimeoutMs: number;
    begin(session: Session): Promise<Followed | undefined>;
  },
): Promise<void> {
  const feed = o.listen
    ? await Subscription.open(ctx, o.client, (m) => note(ctx.io, m))
    : undefined;
  const session = new Session(ctx, o.client, { ...o, feed });
  try {
    const followed = await o.begin(session);
    if (!followed || !feed) return;
    session.started(followed);
    waitingNote(ctx, followed.label, session.timeoutText);
    session.release();
    const follower = session.follower(followed.pid, followed.label, followed.followCommand);
    const runsBefore = followed.runsBefore;
    const final = await follower.final({
      stall: followed.stall ??
        (runsBefore === undefined ? undefined : session.startStall(followed.pid, runsBefore)),
      check: followed.check,
      afterReconnect: runsBefore === undefined
        ? undefined
        : (p) => refusedByAnother(follower, followed.pid, runsBefore, p),
    });
    await session.printer.finish(final, followed.label, followed.writeResult);
  } catch (err) {
    const underway = session.underway;
    if (!underway || !feed) throw err;
    const out = detached(err, underway);
    if (!(err instanceof OutputClosedError)) await session.detachedResult(underway);
    throw out;
  } finally {
    await feed?.close(session.underway?.pid);
  }
}

/**
 * A 7.x server answers a refused start by closing every event stream
 * (docs/servers.md, "The event stream"): when, after a reconnection, the
 * procedure has not run and another one is RUNNING, this start was refused
 * and will never happen.
 */
async function refusedByAnother(
  follower: Follower,
  pid: number,
  runsBefore: number,
  p: Procedure,
): Promise<void> {
  if (runCount(p) > runsBefore || (p.state !== "READY" && !isPreparing(p.state))) return;
  const other = (await follower.list()).find((q) => q.id !== pid && q.state === "RUNNING");
  if (other) {
    throw new OetError(
      `the server did not start procedure ${pid}: procedure ${other.id} is RUNNING, and the OET runs one procedure at a time`,
      {
        hint:
          `when procedure ${other.id} has ended, start it with: oet procedure start --pid ${pid}`,
      },
    );
  }
}

/**
 * Rewrites what ends a wait into a detach: the remote work goes on, and the
 * user is told how to follow or stop it. A closed stdout detaches with exit
 * 141 (never 0: the outcome is not known); a server lost while waiting is
 * said to be so.
 */
export function detached(err: unknown, w: Followed): unknown {
  const stop = `stop it with: oet procedure stop --pid ${w.pid}`;
  if (err instanceof AuthError) {
    // The token expired (or was refused) mid-wait: the work goes on; only
    // following it needs a fresh token.
    const why = err.message.replace(/; nothing was sent$/, "");
    return new AuthError(
      err.failure,
      `detached from ${w.label}, which was started and is still going on the server (nothing was stopped; its outcome is not known): ${why}`,
      {
        hint: `${err.hint ? `${err.hint}\n` : ""}follow it with a fresh token: ${w.followCommand}`,
        cause: err,
      },
    );
  }
  if (err instanceof HttpError && err.status >= 500) {
    // Retried for the reconnect window already (Follower.read).
    return new OetError(
      `could not read ${w.label} while waiting; the server kept answering: ${err.message}`,
      {
        hint: `it may still be going on; follow it again with: ${w.followCommand}`,
        cause: err,
      },
    );
  }
  if (err instanceof ConnectionError) {
    return new ConnectionError(
      err.failure,
      err.url,
      `lost the server while waiting for ${w.label}; its outcome is unknown: ${err.message}`,
      {
        hint: `it may still be going on; once the server answers again: ${w.followCommand}`,
        cause: err,
      },
    );
  }
  if (err instanceof OutputClosedError) {
    return new DetachedError(
      `stdout was closed: detached from ${w.label}, which is still going on the server (nothing was stopped); its outcome is not known`,
      { hint: `follow it with: ${w.followCommand}\n${stop}` },
    );
  }
  if (!(err instanceof InterruptedError)) return err;
  return new InterruptedError(
    err.signal,
    `detached; ${w.label} is still going on the server (nothing was stopped)`,
    { hint: `follow it with: ${w.followCommand}\n${stop}` },
  );
}

/** Notes on stderr (on a terminal) that the command is waiting. */
export function waitingNote(ctx: CommandContext, what: string, timeoutText?: string): void {
  if (!ctx.io.err.isTerminal) return;
  note(
    ctx.io,
    `waiting for ${what} to finish${
      timeoutText ? ` (at most ${timeoutText})` : ""
    }; Ctrl-C detaches`,
  );
}
