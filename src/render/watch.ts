/**
 * The human forms of a watched table (`oet procedure list --watch`):
 *
 * - on a terminal, the whole table redrawn in place: the cursor goes back
 *   up over the previous frame (`ESC [ n A`) and the new frame is written
 *   over it line by line (`ESC [ K`, then `ESC [ J` below it) — no
 *   alternate screen, so the last frame stays in the scrollback when the
 *   watch ends;
 * - in a pipe, one appended row per change in the first table's columns,
 *   as `kubectl get -w` prints them.
 */

import { DAYS_FROM_S } from "../domain/duration.ts";
import { paint, paintState } from "./colour.ts";
import type { TerminalSize } from "./io.ts";
import { type Cell, table } from "./table.ts";

/** The cursor movement that goes back to the first line of a frame of `lines` lines. */
function backOver(lines: number): string {
  return lines ? `\x1b[${lines}A\r` : "";
}

/**
 * A frame written over the old one: each line clears what is left of the
 * old line after it (`ESC [ K`), and what is left below the frame goes at
 * the end (`ESC [ J`). The screen is never cleared from its top-left corner:
 * tmux (scroll-on-clear) and others push a cleared screen into the
 * scrollback, which would stack a copy of the table there at every frame.
 */
function over(text: string): string {
  return `${text.replaceAll("\n", "\x1b[K\n")}\x1b[J`;
}

// deno-lint-ignore no-control-regex -- colour codes are escape sequences by definition
const SGR = /\x1b\[[\d;]*m/g;
// deno-lint-ignore no-control-regex -- the same, at the start of a text
const SGR_HERE = /^\x1b\[[\d;]*m/;
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
 * out in the columns of the table so far (tabulate measures every table on
 * its own, so a lone row would not line up). A row that needs a wider
 * column than the header above it gets a new header first (the header and
 * its rule again, in the wider columns): rows already printed cannot move,
 * so the rows under each header line up with it. An empty first table is
 * the usual case (its columns are only as wide as the headers). The last
 * column grows without one: nothing to its right can be pushed out of line.
 */
export class PipeRows {
  #widths: number[];
  readonly #headers: readonly string[];
  /** The cells of every row printed so far, to measure a new header by. */
  readonly #rows: (readonly Cell[])[];

  /** `firstTable` is the table as printed (header, rule, rows) of `rows`. */
  constructor(firstTable: string, headers: readonly string[], rows: readonly (readonly Cell[])[]) {
    this.#widths = widthsOf(firstTable.split("\n")[1] ?? "");
    this.#headers = headers;
    this.#rows = [...rows];
  }

  /** One row in the table's columns, after a new header if it needs one (no final newline). */
  async row(cells: readonly Cell[]): Promise<string> {
    this.#rows.push(cells);
    // tabulate makes a column at least as wide as its header plus two.
    const spaces = this.#widths.map((w) => " ".repeat(Math.max(0, w - 2)));
    const [, rule, line] = (await table(spaces, [cells])).split("\n");
    const needed = widthsOf(rule);
    // The last column may grow freely (`(removed)`): nothing to its right moves.
    const last = needed.length - 1;
    if (needed.every((w, i) => i === last || w <= this.#widths[i])) {
      this.#widths[last] = Math.max(this.#widths[last], needed[last]);
      return line;
    }
    // Wider than the header above: a new header, measured on every row so far.
    const whole = (await table(this.#headers, this.#rows)).split("\n");
    this.#widths = widthsOf(whole[1]);
    return [whole[0], whole[1], whole.at(-1)!].join("\n");
  }
}

function widthsOf(rule: string): number[] {
  return rule.split("  ").map((dashes) => dashes.length);
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

/** Visible width of a line (colour codes do not count). */
async function widthOf(line: string): Promise<(s: string) => number> {
  if (PRINTABLE_ASCII.test(line.replace(SGR, ""))) return (s) => s.length;
  return (await import("string-width")).default;
}

/**
 * `line` cut to `columns` visible characters, colour codes kept whole (and
 * reset after a cut): a frame never wraps, so its height is its line count
 * whatever the terminal does with wrapped lines on a resize.
 */
async function cutLine(line: string, columns: number): Promise<string> {
  const width = await widthOf(line);
  if (width(line.replace(SGR, "")) <= columns) return line;
  let out = "";
  let used = 0;
  for (let i = 0; i < line.length;) {
    const sgr = SGR_HERE.exec(line.slice(i));
    if (sgr) {
      out += sgr[0];
      i += sgr[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    const w = width(ch);
    if (used + w > columns - 1) break;
    out += ch;
    used += w;
    i += ch.length;
  }
  return `${out}…${line.includes("\x1b[") ? "\x1b[0m" : ""}`;
}

/**
 * Frames drawn over each other on a terminal. A frame is fitted to the
 * window: lines cut to its width (never wrapped) and, when the table is
 * taller than the window, its oldest rows left out with a line that says
 * how many, so that a redraw never scrolls (each scroll would push a copy
 * of the table into the scrollback). After a resize the whole frame is
 * drawn afresh over the old one, whose height the terminal may have
 * changed by re-wrapping it. `last()` is the whole table, for the
 * scrollback when the watch ends.
 */
export class Redraw {
  readonly #size: () => TerminalSize | undefined;
  #lines = 0;
  #last = "";
  #shown = "";
  #sizeKey = "";

  /** `size` gives the window's size now (undefined: not known; nothing is fitted). */
  constructor(size: () => TerminalSize | undefined) {
    this.#size = size;
  }

  /**
   * What to write to replace the frame on screen with `text` (which ends
   * with a newline), or "" when the screen already shows it.
   */
  async frame(text: string): Promise<string> {
    const size = this.#size();
    const sizeKey = size ? `${size.columns}x${size.rows}` : "";
    const resized = sizeKey !== this.#sizeKey;
    if (this.#lines && text === this.#last && !resized) return "";
    let back = this.#lines;
    // A narrower window re-wraps the old frame (most terminals reflow): it may be taller now.
    if (resized && back && size) {
      back = Math.max(back, await screenLines(this.#shown, size.columns));
    }
    const shown = await fit(text, size);
    this.#lines = await screenLines(shown, size?.columns);
    this.#last = text;
    this.#shown = shown;
    this.#sizeKey = sizeKey;
    return backOver(back) + over(shown);
  }

  /** True when the window's size is not the one the frame on screen was fitted to. */
  resized(): boolean {
    const size = this.#size();
    return this.#lines > 0 && (size ? `${size.columns}x${size.rows}` : "") !== this.#sizeKey;
  }

  /**
   * The last frame drawn whole (every row, uncut) over the fitted one, for
   * the scrollback when the watch ends; "" when it was shown whole.
   */
  last(): string {
    if (!this.#lines || this.#shown === this.#last) return "";
    const bytes = backOver(this.#lines) + over(this.#last);
    this.#lines = 0;
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

/** A frame fitted to the window: see `Redraw`. */
async function fit(text: string, size: TerminalSize | undefined): Promise<string> {
  if (!size) return text;
  let lines = text.replace(/\n$/, "").split("\n");
  // One line stays free for the cursor: a frame as tall as the window would scroll.
  const room = Math.max(4, size.rows - 1);
  if (lines.length > room) {
    // Header and rule stay; the oldest rows go (the newest are the ones that move).
    const hidden = lines.length - room + 1;
    lines = [
      lines[0],
      lines[1],
      `… ${hidden} older ${hidden === 1 ? "row" : "rows"} hidden to fit the window`,
      ...lines.slice(2 + hidden),
    ];
  }
  const cut = await Promise.all(lines.map((l) => cutLine(l, size.columns)));
  return `${cut.join("\n")}\n`;
}
