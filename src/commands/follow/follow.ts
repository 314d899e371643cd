/**
 * The follow room's one entry: `follow` runs every waiting command
 * (`procedure start`, `activity run`, `procedure wait`, `activity wait`; the
 * console with its own printer). kubectl's `wait` is the model: subscribe
 * first, then the command's request, then wait on explicit conditions with
 * one deadline (`--timeout`), so that nothing falls between the request and
 * the wait. It confirms the end with a GET, drains the stream (a run that
 * oet started, or that was going when the wait began, is live), prints, and
 * turns an interrupt, a closed stdout, a lost server, a server that keeps
 * answering 5xx or an expired token into a detach that says how to follow
 * or stop the work. The stream is closed, and the server nudged, whatever
 * happens.
 *
 * It takes its event feed, reader, clock and printer as arguments
 * (`FollowDeps`); a command passes its context and gets the CLI's.
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
  RemoteFailureError,
  StalledError,
} from "../../domain/errors.ts";
import {
  announcedState,
  isFinal,
  isPreparing,
  isStartPending,
  runCount,
} from "../../domain/states.ts";
import type { OetEvent, Procedure } from "../../domain/types.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import type { Duration } from "../framework/options.ts";
import { EventPrinter, type FollowPrinter, type Work } from "./event_printer.ts";
import {
  type Condition,
  type FollowEnv,
  Follower,
  PREPARE_POLL_MS,
  type ProcedureReader,
  retried,
} from "./follower.ts";
import { type EventFeed, Subscription } from "./subscription.ts";
import { oetCommand, type TargetAware } from "../shared/target/hint.ts";

export type { FollowPrinter, Work } from "./event_printer.ts";

/** What a follow takes from the outside world (the console passes its own printer). */
export interface FollowDeps {
  /** Opens the event stream (called once subscribing is due). */
  subscribe(): Promise<EventFeed & { close(pid?: number): Promise<void> }>;
  reader: ProcedureReader;
  /** Clock, randomness, interrupt and reconnect window. */
  env: FollowEnv;
  printer: FollowPrinter;
  /** Whether stderr is a terminal (the "waiting…; Ctrl-C detaches" note). */
  interactive: boolean;
}

/** Starting a procedure (`procedure start`): prepared, refused or sent here. */
export interface StartPlan {
  kind: "start";
  procedure: Procedure;
  /** Throws when the procedure can no longer be started (it ran, or is running). */
  refuse(p: Procedure): void;
  /**
   * Sends the start and returns the server's answer; a 5xx it throws is
   * checked here (the server may have run it anyway).
   */
  send(): Promise<Procedure>;
}

/** Running an activity (`activity run`): the server prepares and runs its procedure. */
export interface ActivityPlan {
  kind: "activity";
  /** Sends the request; the work to follow, or no pid when the server made no procedure. */
  send(): Promise<Omit<Work, "pid"> & { pid?: number }>;
}

/** Waiting on work already under way (`procedure wait`, `activity wait`). */
export interface WaitPlan extends Work {
  kind: "wait";
  /** An activity names the procedure: a 404 means it was pruned after it ended. */
  existed?: boolean;
}

/** One follow. */
export interface FollowPlan {
  what: StartPlan | ActivityPlan | WaitPlan;
  output: OutputFormat;
  /** False: return once the work is under way (`--listen=False`, `--prepare-only`). */
  listen: boolean;
  timeout?: Duration;
  prepareTimeoutMs: number;
}

const STUCK_HINT =
  "the server may be stuck (a known OET race leaves procedures in CREATING for ever); check the server logs, or raise --prepare-timeout";

/** How long a start answered with a 5xx is watched for signs that it happened anyway. */
const START_CHECK_MS = 2_000;

/** The follow room's defaults: the command's client, clock, stderr and output form. */
export function cliDeps(ctx: CommandContext, client: OetClient, output: OutputFormat): FollowDeps {
  const printer = new EventPrinter(ctx, output);
  return {
    subscribe: () => Subscription.open(ctx, client, printer.note),
    reader: client,
    env: ctx,
    printer,
    interactive: ctx.io.err.isTerminal,
  };
}

/**
 * Follows one piece of work to its end (see the module comment). Returns
 * the procedure as last seen when it does not listen (for the command's
 * own hints); exit 0 only on a confirmed COMPLETE, otherwise it throws.
 * `given` replaces the CLI's event feed, reader, clock or printer.
 */
export function follow(
  ctx: CommandContext,
  plan: FollowPlan,
  given: Partial<FollowDeps> = {},
): Promise<Procedure | undefined> {
  return followWith({ ...cliDeps(ctx, ctx.client(), plan.output), ...given }, plan);
}

async function followWith(deps: FollowDeps, plan: FollowPlan): Promise<Procedure | undefined> {
  const run = new Run(deps, plan);
  try {
    return await run.go();
  } catch (err) {
    throw await run.detach(err);
  } finally {
    await run.close();
  }
}

/** The wait's first read: a procedure an activity named and the server no longer has was pruned. */
async function firstRead(deps: FollowDeps, w: WaitPlan): Promise<Procedure> {
  try {
    return await retried(
      deps.env,
      deps.printer,
      `procedure ${w.pid}`,
      () => deps.reader.getProcedure(w.pid),
    );
  } catch (err) {
    if (!(w.existed && err instanceof HttpError && err.resourceMissing)) throw err;
    throw new RemoteFailureError(
      "UNKNOWN",
      `${w.label}: the server no longer knows procedure ${w.pid} (it keeps only the 10 most recent finished procedures), so the outcome is not known`,
      "the activity's record remains: oet activity describe; a procedure is pruned only after it ended",
    );
  }
}

/** One follow in progress: the state a detach needs, and the filter of the events. */
class Run {
  readonly #deps: FollowDeps;
  readonly #plan: FollowPlan;
  feed: (EventFeed & { close(pid?: number): Promise<void> }) | undefined;
  /** When `--timeout` runs out, and when a procedure not yet running is stalled (ms since the epoch). */
  #deadline: number | undefined;
  #stallAt = 0;
  #follower: Follower | undefined;
  /** Events held until the row is printed (undefined: printed as they come). */
  #held: OetEvent[] | undefined = [];
  /** Until this run's RUNNING arrives, events of the procedure are from before its start. */
  #beforeRun = false;
  /** The work, once under way: from then on an interrupt detaches. */
  underway: Work | undefined;
  /** The procedure as the command last saw it (the start's answer), when no read has. */
  #known: Procedure | undefined;

  constructor(deps: FollowDeps, plan: FollowPlan) {
    this.#deps = deps;
    this.#plan = plan;
  }

  /** Subscribes (when listening), then starts the clocks of `--timeout` and the stall. */
  async #subscribe(): Promise<void> {
    const { env, subscribe } = this.#deps;
    this.feed = this.#plan.listen ? await subscribe() : undefined;
    const now = env.clock.now();
    this.#deadline = this.#plan.timeout ? now + this.#plan.timeout.ms : undefined;
    this.#stallAt = now + this.#plan.prepareTimeoutMs;
  }

  /** What ends the follow becomes a detach once the work is under way (see `detached`). */
  async detach(err: unknown): Promise<unknown> {
    const w = this.underway;
    if (!w && this.feed && err instanceof OutputClosedError) {
      return closedEarly(this.#plan, this.#deps.env);
    }
    if (!w || !this.feed) return err;
    if (!(err instanceof OutputClosedError)) await this.#deps.printer.detached(this.last, w);
    return detached(err, w, this.#deps.env);
  }

  /** Closes the stream, and makes the server notice. */
  async close(): Promise<void> {
    await this.feed?.close(this.underway?.pid);
  }

  /** The procedure as last read (or seen), for a detach. */
  get last(): Procedure | undefined {
    return this.#follower?.last ?? this.#known;
  }

  /** The follower of the work's procedure (one per follow; created at its first use). */
  #of(
    pid: number,
    label = `procedure ${pid}`,
    followCommand = oetCommand(this.#deps.env, `procedure wait --pid ${pid}`),
  ) {
    this.#follower ??= new Follower({
      pid,
      feed: this.feed,
      reader: this.#deps.reader,
      env: this.#deps.env,
      deadline: this.#deadline,
      timeoutText: this.#plan.timeout?.text,
      label,
      followCommand,
      // Started by this command, or not final when its wait began.
      live: true,
      // Read before it is followed, or named by the server's answer (an
      // activity's): a 404 means it was pruned.
      exists: true,
      sink: {
        event: (e) => this.#event(e),
        gap: (gap) => {
          // Past a gap there is no telling which events came before the start.
          this.#beforeRun = false;
          this.#deps.printer.gap(gap);
        },
        note: (m) => this.#deps.printer.note(m),
      },
    });
    return this.#follower;
  }

  #event(e: OetEvent): void {
    if (this.#beforeRun) {
      // The stream may still carry the preparation (READY, an init message):
      // not this run's. Its first state change after the start is RUNNING.
      if (e.topic !== "procedure.lifecycle.statechange") return;
      const state = announcedState(e);
      if (isPreparing(state) || state === "READY") return;
      this.#beforeRun = false;
    }
    if (this.#held) this.#held.push(e);
    else this.#deps.printer.event(e);
  }

  /** The command's part, then the follow to the end. */
  async go(): Promise<Procedure | undefined> {
    const { printer } = this.#deps;
    const what = this.#plan.what;
    if (what.kind === "wait") {
      const first = await firstRead(this.#deps, what);
      if (isFinal(first.state)) {
        // Ended before the wait began: nothing is in flight, no grace.
        await printer.ended(first, what);
        return undefined;
      }
      const never = notStarted(first, what.label, this.#deps.env);
      if (never) throw never;
      this.#known = first;
    }
    await this.#subscribe();
    let conditions: Condition[];
    let row: Procedure | undefined;
    let work: Work;
    if (what.kind === "start") {
      const sent = await this.#start(what);
      work = sent.work;
      row = sent.answer;
      conditions = [
        this.#startStall(work.pid, sent.runsBefore),
        refusedByAnother(work.pid, sent.runsBefore, this.#deps.env),
      ];
    } else if (what.kind === "activity") {
      const sent = await what.send();
      if (sent.pid === undefined) {
        // The server made no procedure: the activity is all there is to show.
        if (!this.feed) await printer.result(undefined, { ...sent, pid: -1 });
        else await printer.row(undefined, { ...sent, pid: -1 });
        return undefined;
      }
      work = { ...sent, pid: sent.pid };
      this.underway = work;
      row = await this.#rowOf(work);
      conditions = [
        this.#startStall(work.pid, 0),
        refusedByAnother(work.pid, 0, this.#deps.env),
      ];
    } else {
      work = what;
      this.underway = work;
      // Subscribed: read again, so that nothing falls between the first read and now.
      row = await this.#rowOf(work);
      // A start on its way must start running, and a preparation must end,
      // within the prepare timeout; one that ends READY with no start never runs.
      conditions = [
        { check: (p) => notStarted(p, work.label, this.#deps.env) },
        ...(row && isStartPending(row)
          ? [this.#startStall(work.pid, runCount(row))]
          : row && isPreparing(row.state)
          ? [this.#prepareStall(work.pid)]
          : []),
      ];
    }
    if (!this.feed) {
      if (row) await printer.result(row, work);
      if (what.kind === "start" && this.#deps.interactive) {
        // The row is the server's answer to the start, from before the run began.
        printer.hint(`the start was accepted; follow it with: ${work.followCommand}`);
      }
      return row;
    }
    if (row) await printer.row(row, work);
    if (this.#deps.interactive) {
      const t = this.#plan.timeout?.text;
      printer.note(
        `waiting for ${work.label} to finish${t ? ` (at most ${t})` : ""}; Ctrl-C detaches`,
      );
    }
    this.#release();
    const follower = this.#of(work.pid, work.label, work.followCommand);
    const final = await follower.final({ conditions });
    await printer.finish(final, work);
    return undefined;
  }

  /** The work's row: its procedure, read as the follower reads; none if the server pruned it. */
  async #rowOf(work: Work): Promise<Procedure | undefined> {
    const follower = this.#of(work.pid, work.label, work.followCommand);
    try {
      return await follower.read();
    } catch (err) {
      // Pruned already: the follow drains what the stream brings of its end, then says so.
      if (follower.gone) return undefined;
      throw err;
    }
  }

  /** Prints the events held so far, and every later one as it comes. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const e of held) this.#deps.printer.event(e);
  }

  /**
   * A start: waits (bounded) while the procedure is being prepared, then
   * sends the start, checking a 5xx answer before believing it.
   */
  async #start(
    what: StartPlan,
  ): Promise<{ work: Work; answer: Procedure; runsBefore: number }> {
    let p = what.procedure;
    const pid = p.id;
    const work: Work = {
      pid,
      label: `procedure ${pid}`,
      followCommand: oetCommand(this.#deps.env, `procedure wait --pid ${pid}`),
    };
    let sending = false;
    try {
      if (isPreparing(p.state)) {
        this.#deps.printer.note(`procedure ${pid} is ${p.state}; waiting until it is READY`);
        p = await this.#of(pid).until((q) => !isPreparing(q.state), {
          pollMs: PREPARE_POLL_MS,
          conditions: [this.#prepareStall(pid)],
        });
        what.refuse(p);
      }
      // The procedure's events from before the start are not this run's.
      if (this.#held) this.#held = [];
      this.#beforeRun = true;
      const runsBefore = runCount(p);
      sending = true;
      const answer = await this.#send(what, pid, runsBefore);
      this.#known = answer;
      this.underway = work;
      return { work, answer, runsBefore };
    } catch (err) {
      if (this.underway) throw err;
      throw interruptedBeforeStart(err, pid, sending, this.#deps.env);
    }
  }

  /**
   * Sends the start. A 5xx is checked before it is believed: OET 8.0.0rc1
   * answered a start 500 (a pypubsub "Dead Listener" error) and ran it
   * (docs/servers.md, "A start answered 500"). If the procedure runs, or
   * ran, after the request, it is followed, and the error is said;
   * otherwise the error stands.
   */
  async #send(what: StartPlan, pid: number, runsBefore: number): Promise<Procedure> {
    try {
      return await what.send();
    } catch (err) {
      if (!(err instanceof HttpError) || err.status < 500) throw err;
      const { printer, env } = this.#deps;
      printer.note(
        `the server answered the start with HTTP ${err.status}; checking whether procedure ${pid} started anyway`,
      );
      // Ran, runs, or was taken (the server records main's arguments when it
      // takes a start, before it runs it).
      const ran = (q: Procedure) =>
        runCount(q) > runsBefore || q.state === "RUNNING" || isStartPending(q);
      const now = await this.#of(pid).within(ran, env.clock.now() + START_CHECK_MS, {
        pollMs: PREPARE_POLL_MS,
      }).catch((checking) => {
        // Pruned already: it ran and ended; following it says what is known.
        if (this.#of(pid).gone) return what.procedure;
        throw sentStartUnchecked(checking, pid, err.status, env);
      });
      if (!now) {
        // The error stands; the server may still act on the request later.
        throw new HttpError({
          status: err.status,
          serverMessage: err.serverMessage,
          method: err.method,
          url: err.url,
          hint: `it did not start within ${formatDuration(START_CHECK_MS)}; check later with: ${
            oetCommand(env, `procedure describe --pid ${pid}`)
          }, and follow it with: ${oetCommand(env, `procedure wait --pid ${pid}`)}`,
        });
      }
      printer.note(
        `procedure ${pid} started although the server reported an error (${err.message}); following it`,
      );
      return now;
    }
  }

  /** The stall rule while a procedure is being prepared. */
  #prepareStall(pid: number): Condition {
    const ms = this.#plan.prepareTimeoutMs;
    return {
      at: this.#stallAt,
      check: (p) =>
        isPreparing(p.state)
          ? new StalledError(
            `procedure ${pid} is still ${p.state} after ${formatDuration(ms)} of preparation`,
            { hint: STUCK_HINT },
          )
          : undefined,
    };
  }

  /** The stall rule once a start was sent: the procedure must start running. */
  #startStall(pid: number, runsBefore: number): Condition {
    const ms = this.#plan.prepareTimeoutMs;
    return {
      at: this.#stallAt,
      check: (p) => {
        const waiting = isPreparing(p.state) || (p.state === "READY" && runCount(p) <= runsBefore);
        return waiting
          ? new StalledError(
            `procedure ${pid} has not started running ${
              formatDuration(ms)
            } after the start request (it is ${p.state})`,
            { hint: STUCK_HINT },
          )
          : undefined;
      },
    };
  }
}

/**
 * A procedure that will never run unless someone starts it: READY, never
 * run, no start on its way. Waiting for it would wait for ever.
 */
function notStarted(p: Procedure, label: string, env: TargetAware): OetError | undefined {
  if (p.state !== "READY" || runCount(p) > 0 || isStartPending(p)) return undefined;
  return new OetError(`${label} is READY and has not been started: there is nothing to wait for`, {
    hint: `start it with: ${oetCommand(env, `procedure start --pid ${p.id}`)}`,
  });
}

/**
 * A 7.x server answers a refused start by closing every event stream
 * (docs/servers.md, "The event stream"): when, after a reconnection, the
 * procedure has not run and another one is RUNNING, this start was refused
 * and will never happen.
 */
function refusedByAnother(pid: number, runsBefore: number, env: TargetAware): Condition {
  return {
    async check(p, look) {
      if (!look.reconnected) return undefined;
      if (runCount(p) > runsBefore || (p.state !== "READY" && !isPreparing(p.state))) {
        return undefined;
      }
      const other = (await look.list()).find((q) => q.id !== pid && q.state === "RUNNING");
      if (!other) return undefined;
      return new OetError(
        `the server did not start procedure ${pid}: procedure ${other.id} is RUNNING, and the OET runs one procedure at a time`,
        {
          hint: `when procedure ${other.id} has ended, start it with: ${
            oetCommand(env, `procedure start --pid ${pid}`)
          }`,
        },
      );
    },
  };
}

/**
 * An error while checking a start answered 5xx: the start was sent, so it
 * may have run; never "nothing was sent".
 */
function sentStartUnchecked(
  err: unknown,
  pid: number,
  status: number,
  env: TargetAware,
): unknown {
  if (!(err instanceof AuthError)) return err;
  return new AuthError(
    err.failure,
    `${
      err.message.replace(/; nothing was sent$/, "")
    }; the start of procedure ${pid} was sent (the server answered HTTP ${status}) and may have run`,
    {
      hint: `${err.hint ? `${err.hint}\n` : ""}with a fresh token, check with: ${
        oetCommand(env, `procedure describe --pid ${pid}`)
      }, and follow it with: ${oetCommand(env, `procedure wait --pid ${pid}`)}`,
      cause: err,
    },
  );
}

/**
 * stdout closed before the work was under way (a gap line of `-o jsonl`
 * while a start answered 5xx is checked): never the quiet 0 of a closed
 * pipe, since a waiting command exits 0 only on a confirmed COMPLETE.
 */
function closedEarly(plan: FollowPlan, env: TargetAware): DetachedError {
  const what = plan.what;
  const check = what.kind === "start"
    ? `check with: ${oetCommand(env, `procedure describe --pid ${what.procedure.id}`)}`
    : what.kind === "activity"
    ? `check with: ${oetCommand(env, "activity list")}`
    : `follow it with: ${what.followCommand}`;
  return new DetachedError(
    "stdout was closed before the work was under way; whether it started is not known",
    { hint: check },
  );
}

/** What an interrupt before the start was answered means for the procedure. */
function interruptedBeforeStart(
  err: unknown,
  pid: number,
  sending: boolean,
  env: TargetAware,
): unknown {
  if (!(err instanceof InterruptedError)) return err;
  return sending
    ? new InterruptedError(
      err.signal,
      `interrupted while the start request was on its way: procedure ${pid} may be starting`,
      {
        hint: `check with: ${oetCommand(env, `procedure describe --pid ${pid}`)}\nfollow it with: ${
          oetCommand(env, `procedure wait --pid ${pid}`)
        }`,
      },
    )
    : new InterruptedError(
      err.signal,
      `interrupted before the start was sent: procedure ${pid} was not started`,
    );
}

/**
 * Rewrites what ends a wait into a detach: the remote work goes on, and the
 * user is told how to follow or stop it. A closed stdout detaches with exit
 * 141 (never 0: the outcome is not known); a server lost while waiting is
 * said to be so; a token that expired keeps its exit 5 but says the work
 * goes on.
 */
export function detached(err: unknown, w: Work, env: TargetAware = {}): unknown {
  const stop = `stop it with: ${oetCommand(env, `procedure stop --pid ${w.pid}`)}`;
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
