/**
 * The human forms of a watched table (`oet procedure list --watch`):
 *
 * - on a terminal, the whole table redrawn in place: the cursor goes back
 *   up over the previous frame (`ESC [ n A`), the screen below is cleared
 *   (`ESC [ J`) and the new frame is written — no alternate screen, so the
 *   last frame stays in the scrollback when the watch ends;
 * - in a pipe, one appended row per change in the first table's columns,
 *   as `kubectl get -w` prints them.
 */

import { DAYS_FROM_S } from "../domain/duration.ts";
import { paint, paintState } from "./colour.ts";
import { type Cell, table } from "./table.ts";

/** The cursor movement that puts a frame of `lines` lines back under the cursor. */
function backOver(lines: number): string {
  return lines ? `\x1b[${lines}A\r\x1b[J` : "";
}

// deno-lint-ignore no-control-regex -- colour codes are escape sequences by definition
const SGR = /\x1b\[[\d;]*m/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** How long something has been running, to the second: `5s`, `1m05s`, `2h03m`, `3d04h`. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  // Over two days in days, as every other duration oet shows.
  if (s >= DAYS_FROM_S) return `${Math.floor(s / 86_400)}d${two(Math.floor((s % 86_400) / 3600))}h`;
  return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

/**
 * A state cell: the state in its colour, and on a terminal how long a
 * running row has been running (`nowMs` given).
 */
export function stateCell(
  state: string,
  colour: boolean,
  runningSince?: number,
  nowMs?: number,
): string {
  const painted = paintState(state, colour);
  if (runningSince === undefined || nowMs === undefined) return painted;
  return `${painted} ${paint(elapsedText(nowMs - runningSince), "dim", colour)}`;
}

/** The state cell of a row the server removed. */
export function removedCell(colour: boolean): string {
  return paint("(removed)", "dim", colour);
}

/**
 * Rows appended under a table that was already printed. Each row is laid
 * out in the columns of the first table (tabulate measures every table on
 * its own, so a lone row would not line up). A later cell wider than its
 * column is printed whole and widens that column from then on: rows already
 * printed cannot move, so that row and its header are no longer aligned.
 */
export class PipeRows {
  #widths: number[];

  /** `firstTable` is the table as printed (header, rule, rows). */
  constructor(firstTable: string) {
    const rule = firstTable.split("\n")[1] ?? "";
    this.#widths = rule.split("  ").map((dashes) => dashes.length);
  }

  /** One row in the table's columns (no newline). */
  async row(cells: readonly Cell[]): Promise<string> {
    // tabulate makes a column at least as wide as its header plus two.
    const headers = this.#widths.map((w) => " ".repeat(Math.max(0, w - 2)));
    const [, rule, line] = (await table(headers, [cells])).split("\n");
    this.#widths = rule.split("  ").map((dashes, i) => Math.max(dashes.length, this.#widths[i]));
    return line;
  }
}

/** Lines a text takes on a terminal `columns` wide (long lines wrap). */
async function screenLines(text: string, columns: number | undefined): Promise<number> {
  const lines = text.replace(/\n$/, "").split("\n");
  if (!columns) return lines.length;
  let width: (s: string) => number = (s) => s.length;
  if (lines.some((l) => !PRINTABLE_ASCII.test(l.replace(SGR, "")))) {
    width = (await import("string-width")).default;
  }
  return lines.reduce((n, l) => n + Math.max(1, Math.ceil(width(l.replace(SGR, "")) / columns)), 0);
}

/** Frames drawn over each other on a terminal. */
export class Redraw {
  readonly #columns?: number;
  #lines = 0;
  #last = "";

  constructor(columns?: number) {
    this.#columns = columns;
  }

  /**
   * What to write to replace the frame on screen with `text` (which ends
   * with a newline), or "" when the screen already shows it.
   */
  async frame(text: string): Promise<string> {
    if (this.#lines && text === this.#last) return "";
    const bytes = backOver(this.#lines) + text;
    this.#lines = await screenLines(text, this.#columns);
    this.#last = text;
    return bytes;
  }

  /**
   * Something else was written under the frame (a note on stderr, on the
   * same screen): the next frame is drawn afresh below it.
   */
  detach(): void {
    this.#lines = 0;
  }
}
