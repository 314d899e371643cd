/**
 * Writes activities in the chosen output form. Machine forms keep every
 * server field and add `id` (5.x/6.x have none) and `derived_state`, the
 * state `oet` derives from the activity's procedure (the server's own
 * `state` is always TODO).
 */

import { deriveActivityState } from "../../../domain/activity_state.ts";
import { HttpError } from "../../../domain/errors.ts";
import { stateName } from "../../../domain/states.ts";
import type { Activity, Procedure } from "../../../domain/types.ts";
import type { OetClient } from "../../../api/client.ts";
import { activityTable } from "../../../render/activities.ts";
import type { IO } from "../../../render/io.ts";
import { formatRecords, type OutputFormat } from "../../../render/output.ts";

/** The key under which machine output carries the derived state. */
export const DERIVED_STATE_KEY = "derived_state";

/** Writes activities to stdout; `single` makes `-o json` an object. */
export async function writeActivities(
  io: IO,
  activities: readonly Activity[],
  procedures: ReadonlyMap<number, Procedure>,
  format: OutputFormat,
  single: boolean,
): Promise<void> {
  if (format === "table") {
    io.out.write(`${await activityTable(activities, procedures, io.out.colour)}\n`);
    return;
  }
  const records = activities.map((a) => {
    const p = a.procedureId === null ? undefined : procedures.get(a.procedureId);
    return {
      id: a.id,
      json: { ...a.raw, [DERIVED_STATE_KEY]: stateName(deriveActivityState(a, p)) },
    };
  });
  io.out.write(formatRecords(format, records, { single, pretty: io.out.isTerminal }));
}

/**
 * One activity's procedure, or undefined when the server no longer has it
 * (only finished procedures are pruned) — the derivation then falls back
 * to the server's own state.
 */
export async function procedureOf(client: OetClient, a: Activity): Promise<Map<number, Procedure>> {
  const map = new Map<number, Procedure>();
  if (a.procedureId === null) return map;
  try {
    map.set(a.procedureId, await client.getProcedure(a.procedureId));
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 404)) throw err;
  }
  return map;
}
