/**
 * What a watch watches: how it reads the server, what it makes of an event,
 * and the rows it shows. `oet procedure list --watch` and `oet activity list
 * --watch` differ only in their source; the loop (run.ts) and the output
 * forms (printer.ts) are shared.
 */

import { announcedState, type ProcedureState } from "../../../domain/states.ts";
import type { OetEvent } from "../../../domain/types.ts";
import type { WatchRow } from "./rows.ts";

/** What one event means to a source. */
export interface Taken {
  /** The rows may have changed: show them again. */
  changed: boolean;
  /** Read the server again soon (coalesced with other reasons to read). */
  reread: boolean;
}

/** Nothing to do. */
export const NOTHING: Taken = { changed: false, reread: false };

/** A watched table. */
export interface WatchSource {
  /** The key of the row object in `-o jsonl` changes. */
  readonly noun: "procedure" | "activity";
  /** The table's headers (the same as `list`'s). */
  readonly headers: readonly string[];
  /** The procedure the watch is narrowed to, if any (the cheapest nudge). */
  readonly pid?: number;
  /** Reads the server's current state (the first list, and every re-read). */
  read(nowMs: number): Promise<void>;
  /** Takes one event of the stream. */
  take(e: OetEvent, nowMs: number): Taken;
  /** After a gap in the stream: forget what it said; the next read starts afresh. */
  resync(): void;
  /** True while the stream said something no read has confirmed yet. */
  unconfirmed(): boolean;
  /** The rows as now known, by id. A row that is no longer there was removed. */
  rows(): WatchRow[];
}

/** The procedure a state change is about (`msg_src` is its id as a string). */
export function stateChange(
  e: OetEvent,
): { pid: number; state: ProcedureState } | undefined {
  if (e.topic !== "procedure.lifecycle.statechange") return undefined;
  const pid = Number(e.msgSrc);
  if (!Number.isSafeInteger(pid) || typeof e.data.new_state !== "string") return undefined;
  return { pid, state: announcedState(e) };
}
