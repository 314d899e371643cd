/**
 * Where a followed procedure's events and outcome go in each output form.
 *
 * | `-o`            | stdout                                         | stderr            |
 * | --------------- | ---------------------------------------------- | ----------------- |
 * | table (default) | the row, then one line per event               | notes, the end    |
 * | jsonl           | one JSON line per event (and per gap), then the final object | notes |
 * | json, id        | only the final object / id                     | events as lines   |
 */

import { RemoteFailureError } from "../../domain/errors.ts";
import { outcomeOf } from "../../domain/states.ts";
import type { OetEvent, Procedure, StreamGap } from "../../domain/types.ts";
import { escapeInline } from "../../domain/escape.ts";
import { formatFollowEvent, formatJsonlEvent, formatJsonlGap } from "../../render/events.ts";
import type { OutputFormat } from "../../render/output.ts";
import { stackTail } from "../../render/procedures.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { gapNote } from "./gap_note.ts";
import { writeProcedures } from "../shared/output/procedures.ts";

/** Prints a followed procedure's events and its outcome in the chosen output form. */
export class EventPrinter {
  readonly #ctx: CommandContext;
  readonly format: OutputFormat;
  /** The last state printed from the stream, so that the end does not repeat it. */
  #lastState: string | undefined;
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
  shown(state: string): void {
    this.#lastState = state;
  }

  /** Prints one event of the procedure. */
  event = (e: OetEvent): void => {
    if (e.topic === "procedure.lifecycle.statechange") this.#lastState = String(e.data.new_state);
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
    if (this.format === "table") {
      if (this.#lastState !== final.state) {
        this.#heading();
        io.out.write(`- State: ${escapeInline(final.state)}\n`);
      }
    } else if (writeResult) {
      await writeResult(final);
    } else {
      await writeProcedures(io, [final], this.format, true);
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
