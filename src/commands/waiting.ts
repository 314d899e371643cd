/**
 * What waiting commands share: where events go in each output form, how the
 * end is reported, and what Ctrl-C says.
 *
 * | `-o`            | stdout                               | stderr            |
 * | --------------- | ------------------------------------ | ----------------- |
 * | table (default) | the row, then one line per event     | notes, the end    |
 * | jsonl           | one JSON line per event, then the final object | notes   |
 * | json, id        | only the final object / id           | events as lines   |
 */

import { ConnectionError, InterruptedError, RemoteFailureError } from "../domain/errors.ts";
import { outcomeOf } from "../domain/states.ts";
import type { OetEvent, Procedure } from "../domain/types.ts";
import { formatFollowEvent, formatJsonlEvent } from "../render/events.ts";
import { escapeInline } from "../render/escape.ts";
import type { OutputFormat } from "../render/output.ts";
import { stackTail } from "../render/procedures.ts";
import type { Context } from "./context.ts";
import { note } from "./feedback.ts";
import { writeProcedures } from "./procedure/output.ts";

/** Prints a waited-for procedure's events in the chosen output form. */
export class EventPrinter {
  readonly #ctx: Context;
  readonly #format: OutputFormat;
  /** The last state printed from the stream, to avoid repeating it. */
  lastState: string | undefined;
  #headerShown = false;

  constructor(ctx: Context, format: OutputFormat) {
    this.#ctx = ctx;
    this.#format = format;
  }

  /** The "Events" heading of the text form (as the reference client). */
  heading(): void {
    if (this.#format !== "table" || this.#headerShown) return;
    this.#headerShown = true;
    this.#ctx.io.out.write("\nEvents\n------\n\n");
  }

  /** Prints one event of the procedure. */
  event = (e: OetEvent): void => {
    if (e.topic === "procedure.lifecycle.statechange") this.lastState = String(e.data.new_state);
    if (this.#format === "jsonl") {
      this.#ctx.io.out.write(formatJsonlEvent(e));
      return;
    }
    const line = formatFollowEvent(e);
    if (!line) return;
    if (this.#format === "table") {
      this.heading();
      this.#ctx.io.out.write(line);
    } else this.#ctx.io.err.write(line);
  };

  /**
   * Prints the confirmed final procedure and throws a RemoteFailureError
   * (exit 3) unless it COMPLETEd. `label` names the work, e.g. "activity 2";
   * `writeResult` prints the machine-readable result when the work is not
   * the procedure itself (an activity prints the activity).
   */
  async finish(
    final: Procedure,
    label = `procedure ${final.id}`,
    writeResult?: (final: Procedure) => Promise<void>,
  ): Promise<void> {
    const io = this.#ctx.io;
    if (this.#format === "table") {
      if (this.lastState !== final.state) {
        this.heading();
        io.out.write(`- State: ${escapeInline(final.state)}\n`);
      }
    } else if (writeResult) {
      await writeResult(final);
    } else {
      await writeProcedures(io, [final], this.#format, true);
    }
    if (outcomeOf(final.state) === "success") return;
    if (final.stacktrace) io.err.write(`${stackTail(final.stacktrace)}\n`);
    throw new RemoteFailureError(
      final.state,
      `${label} ended ${final.state}`,
      `see why with: oet procedure describe --pid ${final.id}`,
    );
  }
}

/**
 * Rewrites an interrupt while waiting into the detach message: the remote
 * work goes on, and the user is told how to follow or stop it. A server lost
 * while waiting is said to be so: the outcome of the work is unknown.
 */
export function detached(err: unknown, what: string, pid: number, follow: string): unknown {
  if (err instanceof ConnectionError) {
    return new ConnectionError(
      err.failure,
      err.url,
      `lost the server while waiting for ${what}; its outcome is unknown: ${err.message}`,
      { hint: `it may still be going on; once the server answers again: ${follow}`, cause: err },
    );
  }
  if (!(err instanceof InterruptedError)) return err;
  return new InterruptedError(
    err.signal,
    `detached; ${what} is still going on the server (nothing was stopped)`,
    { hint: `follow it with: ${follow}\nstop it with: oet procedure stop --pid ${pid}` },
  );
}

/** Notes on stderr that the command subscribed and is waiting. */
export function waitingNote(ctx: Context, what: string, timeoutText?: string): void {
  if (!ctx.io.err.isTerminal) return;
  note(
    ctx.io,
    `waiting for ${what} to finish${
      timeoutText ? ` (at most ${timeoutText})` : ""
    }; Ctrl-C detaches`,
  );
}
