/**
 * Where a followed procedure's events and outcome go in each output form.
 *
 * | `-o`            | stdout                                         | stderr            |
 * | --------------- | ---------------------------------------------- | ----------------- |
 * | table (default) | the row, then one line per event               | notes, the end    |
 * | jsonl           | one JSON line per event (and per gap), then the final object | notes |
 * | json, id        | only the final object / id                     | events as lines   |
 */

import { OutputClosedError, RemoteFailureError } from "../../domain/errors.ts";
import { announcedState, outcomeOf, type ProcedureState, stateName } from "../../domain/states.ts";
import type { OetEvent, Procedure, StreamGap } from "../../domain/types.ts";
import { escapeInline } from "../../domain/escape.ts";
import { formatFollowEvent, formatJsonlEvent, formatJsonlGap } from "../../render/events.ts";
import type { OutputFormat } from "../../render/output.ts";
import { stackTail } from "../../render/procedures.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { hint as hintLine, note as noteLine } from "../framework/feedback.ts";
import type { FollowSink } from "./follower.ts";
import { gapNote } from "./gap_note.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** The work a command follows, as messages and output name it. */
export interface Work {
  /** The procedure that does the work. */
  pid: number;
  /** Names the work in messages: "procedure 3", "activity 2 (procedure 5)". */
  label: string;
  /** The command that follows it again: "oet procedure wait --pid 3". */
  followCommand: string;
  /**
   * Writes the work's object (its row in the table form) when it is not the
   * procedure: the activity with its procedure's derived state.
   */
  write?(p: Procedure | undefined, format: OutputFormat): Promise<void>;
}

/**
 * What a follow shows, and where: the CLI's printer (EventPrinter), or the
 * console's own. The follow room calls it; it never decides anything.
 */
export interface FollowPrinter extends FollowSink {
  /** The work's row at the start, when it is followed (the table form's header row). */
  row(p: Procedure | undefined, work: Work): Promise<void>;
  /** The work's object in the chosen form, when the command does not follow it (`--listen=False`). */
  result(p: Procedure | undefined, work: Work): Promise<void>;
  /** Marks a state as shown already (in the row), so that the end does not repeat it. */
  shown(state: ProcedureState): void;
  /** What to run next (a `hint:` line in the CLI). */
  hint(message: string): void;
  /** Prints the confirmed end, and throws RemoteFailureError (exit 3) unless it COMPLETEd. */
  finish(final: Procedure, work: Work): Promise<void>;
  /** Work that had ended before the wait began: its row, then its end, as `finish`. */
  ended(final: Procedure, work: Work): Promise<void>;
  /** A detach: the machine form ends with the work's object as last read (its state not final). */
  detached(last: Procedure | undefined, work: Work): Promise<void>;
}

/** Prints a followed procedure's events and its outcome in the chosen output form. */
export class EventPrinter implements FollowPrinter {
  readonly #ctx: CommandContext;
  readonly format: OutputFormat;
  /** The last state printed from the stream, so that the end does not repeat it. */
  #lastState: ProcedureState | undefined;
  #headerShown = false;

  constructor(ctx: CommandContext, format: OutputFormat) {
    this.#ctx = ctx;
    this.format = format;
  }

  /** The "Events" heading of the text form (as the reference client). */
  #heading(): void {
    if (this.format !== "table" || this.#headerShown) return;
    this.#headerShown = true;
    this.#ctx.io.out.write("\nEvents\n------\n\n");
  }

  /** Marks a state as shown already (in the row), so that the end does not repeat it. */
  shown(state: ProcedureState): void {
    this.#lastState = state;
  }

  /** Prints one event of the procedure. */
  event = (e: OetEvent): void => {
    if (e.topic === "procedure.lifecycle.statechange") this.#lastState = announcedState(e);
    if (this.format === "jsonl") {
      this.#ctx.io.out.write(formatJsonlEvent(e));
      return;
    }
    const line = formatFollowEvent(e);
    if (!line) return;
    if (this.format === "table") {
      this.#heading();
      this.#ctx.io.out.write(line);
    } else this.#ctx.io.err.write(line);
  };

  /** Says that events may be missing for an interval (and, in jsonl, writes a gap object). */
  gap = (gap: StreamGap): void => {
    gapNote(this.#ctx.io, gap);
    if (this.format === "jsonl") this.#ctx.io.out.write(formatJsonlGap(gap));
  };

  /** {@inheritDoc FollowPrinter.note} */
  note = (message: string): void => noteLine(this.#ctx.io, message);

  /** Writes the work's object in `format`: the procedure's, unless the work has its own. */
  #write(p: Procedure | undefined, work: Work, format: OutputFormat): Promise<void> {
    if (work.write) return work.write(p, format);
    return writeProcedures(this.#ctx.io, p ? [p] : [], format, true);
  }

  /** {@inheritDoc FollowPrinter.hint} */
  hint = (message: string): void => hintLine(this.#ctx.io, message);

  /** {@inheritDoc FollowPrinter.row} */
  async row(p: Procedure | undefined, work: Work): Promise<void> {
    if (this.format === "table") await this.#write(p, work, "table");
  }

  /** {@inheritDoc FollowPrinter.result} */
  async result(p: Procedure | undefined, work: Work): Promise<void> {
    await this.#write(p, work, this.format);
  }

  /** {@inheritDoc FollowPrinter.finish} */
  async finish(final: Procedure, work: Work): Promise<void> {
    const io = this.#ctx.io;
    const success = outcomeOf(final.state) === "success";
    try {
      if (this.format === "table") {
        if (this.#lastState !== final.state) {
          this.#heading();
          io.out.write(`- State: ${escapeInline(stateName(final.state))}\n`);
        }
      } else {
        await this.#write(final, work, this.format);
      }
    } catch (err) {
      // stdout closed: the outcome is known all the same, and a failure is
      // never a quiet 0 (a closed stdout alone is).
      if (success || !(err instanceof OutputClosedError)) throw err;
    }
    if (success) return;
    if (final.stacktrace) io.err.write(`${stackTail(final.stacktrace)}\n`);
    throw new RemoteFailureError(
      stateName(final.state),
      `${work.label} ended ${stateName(final.state)}`,
      `see why with: ${oetCommand(this.#ctx, `procedure describe --pid ${final.id}`)}`,
    );
  }

  /** {@inheritDoc FollowPrinter.ended} */
  async ended(final: Procedure, work: Work): Promise<void> {
    let closed: OutputClosedError | undefined;
    try {
      await this.row(final, work);
    } catch (err) {
      if (!(err instanceof OutputClosedError)) throw err;
      // The outcome still decides the exit status (below).
      closed = err;
    }
    // Its state is in the row: the end need not repeat it.
    this.shown(final.state);
    await this.finish(final, work);
    if (closed) throw closed;
  }

  /** {@inheritDoc FollowPrinter.detached} */
  async detached(last: Procedure | undefined, work: Work): Promise<void> {
    // Without a read of the procedure only an activity has an object to write.
    if (this.format !== "jsonl" || (!last && !work.write)) return;
    try {
      await this.#write(last, work, "jsonl");
    } catch {
      // stdout is gone: the detach message says the rest.
    }
  }
}
