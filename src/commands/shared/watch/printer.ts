/**
 * The output forms of a watch, fed with the rows as they are now:
 *
 * - `redraw` (the table form on a terminal): the table redrawn in place,
 *   running rows with their elapsed time, states in colour, and a line
 *   naming what the server removed;
 * - `append` (the table form in a pipe): the table once, then one row per
 *   change in the same columns (`(removed)` for a row the server removed);
 * - `jsonl`: one object per row at the start (`"change": "listed"`), then
 *   one per change: `{"change": "added"|"changed"|"removed", "<noun>": {…}}`
 *   with the object `-o json` prints.
 *
 * A change is a change of the row `list` would print: its state, script,
 * creation time…; a read that only confirms what the stream said prints
 * nothing.
 */

import type { JsonObject } from "../../../domain/types.ts";
import { paint } from "../../../render/colour.ts";
import type { IO } from "../../../render/io.ts";
import { type Cell, table } from "../../../render/table.ts";
import { PipeRows, Redraw, removedCell, stateCell } from "../../../render/watch.ts";
import type { WatchRow } from "./rows.ts";

/** How changes are shown. */
export type WatchMode = "redraw" | "append" | "jsonl";

/** What happened to a row. */
export type Change = "listed" | "added" | "changed" | "removed";

/** At most this many removed ids are named under the redrawn table. */
const REMOVED_SHOWN = 10;

/** Prints a watched table in one of its forms. */
export class WatchPrinter {
  readonly #io: IO;
  readonly #mode: WatchMode;
  #headers: readonly string[] = [];
  #noun = "";
  readonly #shown = new Map<number, { key: string; row: WatchRow }>();
  readonly #removed: number[] = [];
  #pipe?: PipeRows;
  #redraw?: Redraw;

  constructor(io: IO, mode: WatchMode) {
    this.#io = io;
    this.#mode = mode;
    if (mode === "redraw") {
      const out = io.out;
      this.#redraw = new Redraw(() =>
        out.size?.() ?? (out.columns ? { columns: out.columns, rows: Infinity } : undefined)
      );
    }
  }

  /**
   * True when every change is printed (rows, JSON lines), so that several
   * changes in one network read are shown one by one; a redrawn table
   * shows only where things are now.
   */
  get everyChange(): boolean {
    return this.#mode !== "redraw";
  }

  /**
   * True when the output must be looked at every tick: elapsed times change
   * by themselves, and a window that can be resized is checked (a resize
   * redraws the table).
   */
  get ticks(): boolean {
    return this.#mode === "redraw" && (this.#running() || this.#io.out.size !== undefined);
  }

  #running(): boolean {
    return [...this.#shown.values()].some((s) => s.row.runningSince);
  }

  /**
   * The watch ends: on a terminal, the last frame is drawn whole (every
   * row, uncut) so that the scrollback keeps it.
   */
  finish(): void {
    const bytes = this.#redraw?.last();
    if (bytes) this.#io.out.write(bytes);
  }

  /**
   * Prints the first table: `what` gives its headers and the key of the
   * row objects in JSON lines.
   */
  async start(
    what: { headers: readonly string[]; noun: string },
    rows: readonly WatchRow[],
    nowMs: number,
  ): Promise<void> {
    this.#headers = what.headers;
    this.#noun = what.noun;
    for (const row of rows) this.#shown.set(row.id, { key: this.#keyOf(row), row });
    if (this.#mode === "jsonl") {
      this.#io.out.write(rows.map((r) => this.#line("listed", r.json)).join(""));
    } else if (this.#mode === "append") {
      const colour = this.#io.out.colour;
      const cells = rows.map((
        r,
      ) => [...r.cells.slice(0, -1), stateCell(String(r.cells.at(-1)), colour)]);
      const text = await table(this.#headers, cells);
      this.#io.out.write(`${text}\n`);
      this.#pipe = new PipeRows(text, this.#headers, cells);
    } else await this.#draw(nowMs);
  }

  /** Shows what changed since the last call. */
  async update(rows: readonly WatchRow[], nowMs: number): Promise<void> {
    const changes: { change: Change; row: WatchRow }[] = [];
    const now = new Map(rows.map((r) => [r.id, r]));
    for (const [id, shown] of this.#shown) {
      if (!now.has(id)) changes.push({ change: "removed", row: shown.row });
    }
    for (const row of rows) {
      const shown = this.#shown.get(row.id);
      if (!shown) changes.push({ change: "added", row });
      else if (shown.key !== this.#keyOf(row)) changes.push({ change: "changed", row });
    }
    changes.sort((a, b) => a.row.id - b.row.id);
    for (const { change, row } of changes) {
      if (change === "removed") {
        this.#shown.delete(row.id);
        this.#removed.push(row.id);
      } else this.#shown.set(row.id, { key: this.#keyOf(row), row });
    }
    if (this.#mode === "redraw") {
      // Elapsed times move on even when nothing else changed; a resize redraws.
      if (changes.length || this.#running() || this.#redraw!.resized()) await this.#draw(nowMs);
      return;
    }
    if (!changes.length) return;
    if (this.#mode === "jsonl") {
      this.#io.out.write(changes.map((c) => this.#line(c.change, c.row.json)).join(""));
      return;
    }
    const colour = this.#io.out.colour;
    let text = "";
    for (const { change, row } of changes) {
      const state = change === "removed"
        ? removedCell(colour)
        : stateCell(String(row.cells.at(-1)), colour);
      text += `${await this.#pipe!.row([...row.cells.slice(0, -1), state])}\n`;
    }
    this.#io.out.write(text);
  }

  /**
   * Writes a note on stderr. When stderr is the same screen as the redrawn
   * table, the next frame is drawn below the note rather than over it.
   */
  note(write: () => void): void {
    if (this.#io.err.isTerminal) this.#redraw?.detach();
    write();
  }

  /**
   * What makes two rows differ for the output: the cells `list` prints; in
   * JSON lines the object (a read that confirms what the stream said brings
   * the server's own values, and is shown).
   */
  #keyOf(row: WatchRow): string {
    return JSON.stringify(this.#mode === "jsonl" ? row.json : row.cells);
  }

  #line(change: Change, json: JsonObject): string {
    return `${JSON.stringify({ change, [this.#noun]: json })}\n`;
  }

  async #draw(nowMs: number): Promise<void> {
    const colour = this.#io.out.colour;
    const rows = [...this.#shown.values()].map((s) => s.row).sort((a, b) => a.id - b.id);
    const cells: Cell[][] = rows.map((r) => [
      ...r.cells.slice(0, -1),
      stateCell(String(r.cells.at(-1)), colour, r.runningSince, nowMs),
    ]);
    let text = `${await table(this.#headers, cells)}\n`;
    if (this.#removed.length) {
      const ids = this.#removed.slice(-REMOVED_SHOWN).join(", ");
      const more = this.#removed.length > REMOVED_SHOWN ? "…, " : "";
      text += `${paint("removed by the server:", "dim", colour)} ${more}${ids}\n`;
    }
    const bytes = await this.#redraw!.frame(text);
    if (bytes) this.#io.out.write(bytes);
  }
}
