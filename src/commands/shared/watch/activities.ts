/**
 * The source of `oet activity list --watch [--aid N]`. An activity's state
 * is derived from its procedure (servers say TODO for ever:
 * docs/servers.md, "Activity states"), so this source watches the
 * procedures too, and re-reads the activities when the stream announces a
 * new one (`activity.lifecycle.running`).
 *
 * Activities are never pruned, so one that a read leaves out is kept: that
 * is the 7.x/8.x list that empties for good (docs/servers.md, "The activity
 * list that empties (S2)"), and new activities are then read by the ids the
 * stream announces. A procedure the server pruned keeps its last known
 * state for its activity's row.
 */

import type { OetClient } from "../../../api/client.ts";
import { HttpError } from "../../../domain/errors.ts";
import { allActivities, byIdNote } from "../activity_lookup.ts";
import {
  type Activity,
  isJsonObject,
  type OetEvent,
  type Procedure,
} from "../../../domain/types.ts";
import { ACTIVITY_HEADERS } from "../../../render/activities.ts";
import { ProcedureBook } from "./book.ts";
import { activityRow, type WatchRow } from "./rows.ts";
import { NOTHING, stateChange, type Taken, type WatchSource } from "./source.ts";
import { isDigits } from "../../../domain/text.ts";

/** The id in an `activity.lifecycle.running` reply (7.x `id`; 5.x/6.x also `id` in events). */
function announcedId(e: OetEvent): number | undefined {
  const result = e.data.result;
  if (!isJsonObject(result)) return undefined;
  if (typeof result.id === "number") return result.id;
  const last = typeof result.uri === "string" ? result.uri.split("/").at(-1) : undefined;
  return last && isDigits(last) ? Number(last) : undefined;
}

/** Watches every activity, or the one with id `aid`. */
export class ActivitySource implements WatchSource {
  readonly noun = "activity";
  readonly headers = ACTIVITY_HEADERS;
  readonly #client: OetClient;
  readonly #aid?: number;
  readonly #onNote: (message: string) => void;
  readonly #book = new ProcedureBook();
  readonly #activities = new Map<number, Activity>();
  /** Procedures the server pruned, as last seen: their activities keep that state. */
  readonly #gone = new Map<number, Procedure>();
  /** Activity ids the stream announced (read by id when the list leaves them out). */
  readonly #announced = new Set<number>();
  #warned = false;

  constructor(client: OetClient, aid: number | undefined, onNote: (message: string) => void) {
    this.#client = client;
    this.#aid = aid;
    this.#onNote = onNote;
  }

  /** The procedure of the watched activity (for the nudge), once known. */
  get pid(): number | undefined {
    return this.#aid === undefined
      ? undefined
      : this.#activities.get(this.#aid)?.procedureId ?? undefined;
  }

  async read(nowMs: number): Promise<void> {
    if (this.#aid !== undefined) {
      const a = await this.#client.getActivity(this.#aid);
      this.#activities.set(a.id, a);
      if (a.procedureId !== null) await this.#readProcedure(a.procedureId, nowMs);
      return;
    }
    // The first read rebuilds a list that came back empty by ids (S2), as
    // `oet activity list` does; later reads keep what they have.
    const first = this.#activities.size === 0;
    const [found, procedures] = await Promise.all([
      first
        ? allActivities(this.#client)
        : this.#client.listActivities().then((value) => ({ value, byId: false })),
      this.#client.listProcedures(),
    ]);
    const activities = found.value ?? [];
    if (found.byId && activities.length && !this.#warned) {
      this.#warned = true;
      this.#onNote(byIdNote(activities.length));
    }
    const before = new Map(this.#book.ids().map((id) => [id, this.#book.get(id)!]));
    for (const id of this.#book.take(procedures, true, nowMs)) this.#gone.set(id, before.get(id)!);
    const listed = new Set(activities.map((a) => a.id));
    for (const a of activities) this.#activities.set(a.id, a);
    const left = [...this.#activities.keys()].filter((id) => !listed.has(id));
    if (left.length && !this.#warned) {
      this.#warned = true;
      this.#onNote(
        `the server's activity list left out activity ${
          left[0]
        }; activities are never removed, so this is the 7.x/8.x list that empties (docs/servers.md, S2): its rows are kept, and new activities are read by id`,
      );
    }
    for (const id of this.#announced) {
      if (listed.has(id)) continue;
      try {
        const a = await this.#client.getActivity(id);
        this.#activities.set(a.id, a);
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 404)) throw err;
      }
    }
    this.#announced.clear();
  }

  take(e: OetEvent, nowMs: number): Taken {
    const change = stateChange(e);
    if (change) {
      const mine = this.#aid === undefined || change.pid === this.pid;
      if (!mine || !this.#book.has(change.pid)) {
        // An activity's procedure not read yet: its activity's row needs it.
        return { changed: false, reread: mine && this.#ownsProcedure(change.pid) };
      }
      const said = this.#book.announce(change.pid, change.state, nowMs);
      return { changed: said === "changed", reread: true };
    }
    if (e.topic === "activity.lifecycle.running" && this.#aid === undefined) {
      const id = announcedId(e);
      if (id !== undefined) this.#announced.add(id);
      return { changed: false, reread: true };
    }
    return NOTHING;
  }

  resync(): void {
    this.#book.resync();
  }

  unconfirmed(): boolean {
    return this.#book.unconfirmed();
  }

  rows(): WatchRow[] {
    return [...this.#activities.values()].sort((a, b) => a.id - b.id).map((a) =>
      activityRow(a, a.procedureId === null ? undefined : this.#procedure(a.procedureId))
    );
  }

  #procedure(pid: number): Procedure | undefined {
    return this.#book.get(pid) ?? this.#gone.get(pid);
  }

  #ownsProcedure(pid: number): boolean {
    return [...this.#activities.values()].some((a) => a.procedureId === pid);
  }

  async #readProcedure(pid: number, nowMs: number): Promise<void> {
    try {
      this.#book.take([await this.#client.getProcedure(pid)], false, nowMs);
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
      // Pruned: its activity keeps the state last seen.
      const last = this.#book.get(pid);
      if (last) this.#gone.set(pid, last);
      this.#book.drop(pid);
    }
  }
}
