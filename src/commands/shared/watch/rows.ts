/**
 * The rows of a watch: the cells `list` prints for a procedure or an
 * activity, the state they show, since when it has been running, and the
 * object `-o jsonl` prints for it. Cells are escaped, never coloured: the
 * output form decides colour and elapsed times.
 */

import { deriveActivityState } from "../../../domain/activity_state.ts";
import { stateName } from "../../../domain/states.ts";
import type { Activity, JsonObject, Procedure } from "../../../domain/types.ts";
import { activityCells } from "../../../render/activities.ts";
import { procedureCells } from "../../../render/procedures.ts";
import type { Cell } from "../../../render/table.ts";
import { DERIVED_STATE_KEY } from "../output/activities.ts";

/** One row of a watched table. */
export interface WatchRow {
  id: number;
  /** The cells as `list` prints them; the last one is the state. */
  cells: Cell[];
  /** The state shown (unescaped), for colour. */
  state: string;
  /** When the row is RUNNING: since when (ms since the epoch, the server's clock). */
  runningSince?: number;
  /** What `-o jsonl` prints for it: the object `-o json` would. */
  json: JsonObject;
}

/** When a procedure's current run began, if it is running (its last RUNNING entry). */
function runningSince(p: Procedure | undefined): number | undefined {
  if (!p) return undefined;
  const run = p.history.findLast((e) => e.state === "RUNNING");
  return run ? run.time * 1000 : undefined;
}

/** A procedure's row: ID, Script, Creation time, State. */
export function procedureRow(p: Procedure): WatchRow {
  return {
    id: p.id,
    cells: procedureCells(p),
    state: stateName(p.state),
    runningSince: p.state === "RUNNING" ? runningSince(p) : undefined,
    json: p.raw,
  };
}

/**
 * An activity's row: ID, Activity, SB ID, Creation Time, Procedure ID and
 * the state derived from its procedure (`procedure` undefined: not known).
 */
export function activityRow(a: Activity, procedure: Procedure | undefined): WatchRow {
  const state = deriveActivityState(a, procedure);
  return {
    id: a.id,
    cells: activityCells(a, state),
    state: stateName(state),
    runningSince: state === "RUNNING" ? runningSince(procedure) : undefined,
    json: { ...a.raw, [DERIVED_STATE_KEY]: stateName(state) },
  };
}
