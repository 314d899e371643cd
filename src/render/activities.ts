/**
 * Human views of activities: the list table and the sections of `describe`,
 * with the reference doc's columns. The State shown is the one derived from
 * the activity's procedure (`src/domain/activity_state.ts`).
 */

import {
  activityStateLabel,
  deriveActivityHistory,
  deriveActivityState,
} from "../domain/activity_state.ts";
import type { Activity, Procedure } from "../domain/types.ts";
import type { State } from "../domain/states.ts";
import { paintState } from "./colour.ts";
import { escapeInline } from "../domain/escape.ts";
import { callRows, historyRows } from "./procedures.ts";
import { type Cell, table } from "./table.ts";
import { formatTime } from "./time.ts";

/** The headers of the activity table (the reference doc's). */
export const ACTIVITY_HEADERS = [
  "ID",
  "Activity",
  "SB ID",
  "Creation Time",
  "Procedure ID",
  "State",
] as const;

/** Looks up an activity's procedure in a map by id. */
function procedureOf(
  a: Activity,
  procedures: ReadonlyMap<number, Procedure>,
): Procedure | undefined {
  return a.procedureId === null ? undefined : procedures.get(a.procedureId);
}

/** An activity's cells in the list table (and its watch), with the state derived for it. */
export function activityCells(a: Activity, state: State, colour = false): Cell[] {
  return [
    a.id,
    escapeInline(a.name),
    escapeInline(a.sbdId),
    formatTime(a.history[0]?.time),
    a.procedureId,
    paintState(escapeInline(activityStateLabel(state)), colour),
  ];
}

/** The activity list table; `procedures` gives the states to derive from. */
export function activityTable(
  activities: readonly Activity[],
  procedures: ReadonlyMap<number, Procedure>,
  colour = false,
): Promise<string> {
  return table(
    ACTIVITY_HEADERS,
    activities.map((a) =>
      activityCells(a, deriveActivityState(a, procedureOf(a, procedures)), colour)
    ),
  );
}

/**
 * The sections of `oet activity describe`: the summary, URI and Prepare
 * Only, the merged state history, and the Script Arguments.
 */
export async function activityDescribe(
  a: Activity,
  procedure: Procedure | undefined,
  uri: string,
  colour = false,
): Promise<string> {
  const state = deriveActivityState(a, procedure);
  const summary = await table(
    ["ID", "Activity", "SB ID", "Procedure ID", "State"],
    [[
      a.id,
      escapeInline(a.name),
      escapeInline(a.sbdId),
      a.procedureId,
      paintState(escapeInline(activityStateLabel(state)), colour),
    ]],
  );
  const where = await table(["URI", "Prepare Only"], [[
    escapeInline(uri),
    a.prepareOnly ? "True" : "False",
  ]]);
  const history = await table(
    ["Time", "State"],
    historyRows(deriveActivityHistory(a, procedure), colour, false),
  );
  const title = "Script Arguments";
  const calls = await table(
    ["Method", "Arguments", "Keyword Arguments"],
    callRows(a.scriptArgs, false),
  );
  return `${summary}\n\n${where}\n\n${history}\n\n\n${title}\n${
    "-".repeat(title.length)
  }\n\n${calls}\n`;
}
