/**
 * Honest activity states.
 *
 * Every released OET server reports activities as `TODO` forever
 * (docs/servers.md, "Activity states"); progress is visible only through the activity's procedure. The
 * reference doc promises REQUESTED, PREPARED, RUNNING, COMPLETE (and a failed
 * or stopped end), so `oet` derives them from the procedure:
 *
 * | procedure                              | activity  |
 * | -------------------------------------- | --------- |
 * | CREATING, IDLE, PREP_ENV, LOADING, INITIALISING | REQUESTED |
 * | READY, never started                   | PREPARED  |
 * | RUNNING, or READY after a run          | RUNNING   |
 * | COMPLETE, FAILED, STOPPED, UNKNOWN     | the same  |
 * | gone (pruned)                          | ENDED_UNKNOWN, shown "ENDED (procedure removed)" |
 * | none                                   | the server's own state |
 *
 * A server prunes only finished procedures, so an activity whose procedure
 * is gone has ended; how, nobody can say any more. `TODO` would claim it
 * never ran, and `UNKNOWN` is a real OET state, so the derived state is
 * `ENDED_UNKNOWN`.
 */

import type { Activity, Procedure, StateEntry } from "./types.ts";
import {
  type ActivityState,
  type DerivedActivityState,
  isPreparing,
  type ProcedureState,
  type State,
  stateName,
} from "./states.ts";

/** An activity's state as shown: derived from its procedure, else the server's own. */
export type ShownActivityState = DerivedActivityState | ActivityState;

/** A procedure's final state is its activity's. */
function finalOf(state: ProcedureState): DerivedActivityState | undefined {
  return state === "COMPLETE" || state === "FAILED" || state === "STOPPED" || state === "UNKNOWN"
    ? state
    : undefined;
}

/** The derived state of an activity whose procedure the server pruned (it had ended). */
export const ENDED_UNKNOWN = "ENDED_UNKNOWN";

/** How a shown state is written in a table: `ENDED (procedure removed)` for ENDED_UNKNOWN. */
export function activityStateLabel(state: State): string {
  return state === ENDED_UNKNOWN ? "ENDED (procedure removed)" : stateName(state);
}

/**
 * The activity's state as derived from its procedure (see module doc).
 * `procedure` undefined for an activity that has one: the server no longer
 * has it (the callers looked it up in the server's list, or got a 404).
 */
export function deriveActivityState(
  activity: Activity,
  procedure: Procedure | undefined,
): ShownActivityState {
  if (!procedure || procedure.id !== activity.procedureId) {
    // Servers say TODO for ever; a state of their own (a later server) is kept.
    return activity.procedureId !== null && activity.state === "TODO"
      ? ENDED_UNKNOWN
      : activity.state;
  }
  const state = procedure.state;
  const final = finalOf(state);
  if (final) return final;
  if (state === "RUNNING") return "RUNNING";
  if (state === "READY") {
    return procedure.history.some((e) => e.state === "RUNNING") ? "RUNNING" : "PREPARED";
  }
  if (isPreparing(state)) return "REQUESTED";
  return activity.state;
}

/**
 * The activity's history: its own creation time as REQUESTED, then the first
 * READY (PREPARED), the first RUNNING and the final state of its procedure.
 * Without a procedure, the server's own history is returned unchanged.
 */
export function deriveActivityHistory(
  activity: Activity,
  procedure: Procedure | undefined,
): StateEntry<ShownActivityState>[] {
  if (!procedure || procedure.id !== activity.procedureId) return activity.history;
  const entries: StateEntry<ShownActivityState>[] = [];
  const created = activity.history[0];
  if (created) entries.push({ state: "REQUESTED", time: created.time });
  const firstReady = procedure.history.find((e) => e.state === "READY");
  if (firstReady) entries.push({ state: "PREPARED", time: firstReady.time });
  const firstRun = procedure.history.find((e) => e.state === "RUNNING");
  if (firstRun) entries.push({ state: "RUNNING", time: firstRun.time });
  const last = procedure.history.at(-1);
  const final = last && finalOf(last.state);
  if (final) entries.push({ state: final, time: last.time });
  // Stable sort: equal times keep the order above.
  return entries.sort((a, b) => a.time - b.time);
}
