/**
 * Finding activities when the list cannot be trusted. A 7.x/8.x server
 * answers `GET /activities/` with `[]` for good once an activity with a
 * failed `create_env` exists, while `GET /activities/{id}` still answers
 * for each one (docs/servers.md, "Activities"). Activity ids are dense and
 * never pruned, so the most recent ones can be found with a few reads by id.
 */

import type { OetClient } from "../../api/client.ts";
import { HttpError } from "../../domain/errors.ts";
import type { Activity } from "../../domain/types.ts";

/** How many activities, newest first, are read by id looking for one procedure's. */
const SCAN_LIMIT = 20;
/**
 * Ids that read as missing although later ones exist: an activity whose
 * create_env failed cannot be summarised on 7.x/8.x either (404), and a
 * failed request uses an id up. The search looks this far past a miss.
 */
const GAP_TOLERANCE = 3;

async function activityOrUndefined(client: OetClient, id: number): Promise<Activity | undefined> {
  try {
    return await client.getActivity(id);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * The first id from `id` on (within the gap tolerance) that the server
 * answers for, or undefined.
 */
async function presentFrom(
  client: OetClient,
  id: number,
  limit = Infinity,
): Promise<number | undefined> {
  for (let k = id; k < id + GAP_TOLERANCE && k < limit; k++) {
    if (await activityOrUndefined(client, k)) return k;
  }
  return undefined;
}

/**
 * The highest activity id the server answers for (0 for none), by reading
 * ids: doubling until one (and the few after it) is missing, then halving
 * the interval — about 2·log₂(n) reads.
 */
export async function latestActivityId(client: OetClient): Promise<number> {
  let known = (await presentFrom(client, 1)) ?? 0;
  if (!known) return 0;
  let missing = known * 2;
  for (;;) {
    const found = await presentFrom(client, missing);
    if (found === undefined) break;
    known = found;
    missing = found * 2;
  }
  while (missing - known > 1) {
    const mid = Math.floor((known + missing) / 2);
    const found = await presentFrom(client, mid, missing);
    if (found !== undefined) known = found;
    else missing = mid;
  }
  return known;
}

/** Where an answer came from: the list, or reads by id because the list said nothing. */
export interface Found<T> {
  value: T | undefined;
  /** True when the list was empty or failed and ids were read instead. */
  byId: boolean;
}

/**
 * Whether an empty (or failed) list may hide activities: only 7.x/8.x lists
 * empty for good (5.x/6.x list every activity), and a server whose
 * generation is not known yet might be one of them.
 */
function listMayLie(client: OetClient): boolean {
  const g = client.generation();
  return g === undefined || g === "7+";
}

/** The most recent activity: the list's last, else (7.x/8.x) the highest id. */
export async function mostRecentActivity(client: OetClient): Promise<Found<Activity>> {
  let listError: unknown;
  try {
    const last = (await client.listActivities()).at(-1);
    if (last || !listMayLie(client)) return { value: last, byId: false };
  } catch (err) {
    if (!listMayLie(client)) throw err;
    listError = err;
  }
  void listError;
  const latest = await latestActivityId(client);
  return { value: latest ? await client.getActivity(latest) : undefined, byId: true };
}

/**
 * The activity that prepared a procedure, if any: from the list, else by
 * reading the newest activities by id, down to one whose procedure is older.
 */
export async function activityOfProcedure(
  client: OetClient,
  pid: number,
): Promise<Found<Activity>> {
  try {
    const all = await client.listActivities();
    if (all.length || !listMayLie(client)) {
      return { value: all.find((a) => a.procedureId === pid), byId: false };
    }
  } catch (err) {
    if (!listMayLie(client)) throw err;
  }
  const latest = await latestActivityId(client);
  for (let id = latest; id >= 1 && id > latest - SCAN_LIMIT; id--) {
    const a = await activityOrUndefined(client, id);
    if (!a) continue;
    if (a.procedureId === pid) return { value: a, byId: true };
    // Activities are created in order, each with a new procedure.
    if (a.procedureId !== null && a.procedureId < pid) break;
  }
  return { value: undefined, byId: true };
}

/** How many reads by id run at once when a whole list is rebuilt (7.x/8.x serve 40 at once). */
const BY_ID_BATCH = 8;

/**
 * Every activity: the list, or, when a 7.x/8.x list comes back empty while
 * activities exist (S2), each id from 1 to the highest the server answers
 * for, read one by one (ids the server cannot summarise are left out).
 */
export async function allActivities(client: OetClient): Promise<Found<Activity[]>> {
  const listed = await client.listActivities();
  if (listed.length || !listMayLie(client)) return { value: listed, byId: false };
  const latest = await latestActivityId(client);
  if (!latest) return { value: listed, byId: false };
  const found: Activity[] = [];
  for (let from = 1; from <= latest; from += BY_ID_BATCH) {
    const ids = Array.from(
      { length: Math.min(BY_ID_BATCH, latest - from + 1) },
      (_, k) => from + k,
    );
    for (const a of await Promise.all(ids.map((id) => activityOrUndefined(client, id)))) {
      if (a) found.push(a);
    }
  }
  return { value: found, byId: true };
}

/**
 * The activity ids for shell completion: the list's, or, when a 7.x/8.x
 * list is empty (S2), 1 to the highest id the server answers for.
 */
export async function activityIds(client: OetClient): Promise<number[]> {
  const listed = await client.listActivities();
  if (listed.length || !listMayLie(client)) return listed.map((a) => a.id);
  const latest = await latestActivityId(client);
  return Array.from({ length: latest }, (_, k) => k + 1);
}

/** The note said when a list was rebuilt by id. */
export function byIdNote(count: number): string {
  return `the server's activity list came back empty (the 7.x/8.x defect S2, docs/servers.md); ${count} ${
    count === 1 ? "activity" : "activities"
  } read one by one by id`;
}
