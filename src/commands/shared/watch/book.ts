/**
 * What a watch knows of each procedure: the server's last answer, merged
 * with the state changes the event stream announced since.
 *
 * The stream and GET disagree for a while after every change
 * (docs/servers.md, "Timing: events versus GET"): on loopback the stream is
 * 2–26 ms ahead of GET, and GET never shows the RUNNING of a script whose
 * `main` returns at once; behind a proxy the stream can be behind instead.
 * So the two are aligned per procedure, as two views of one append-only
 * history:
 *
 * - `provisional`: states the stream announced that no read has shown yet
 *   (the stream ahead). They are shown at once, with the time oet received
 *   them, and give way to the server's entries as reads catch up.
 * - `awaiting`: states a read showed that the stream has not delivered yet
 *   (the stream behind). When the stream delivers them they are known
 *   already, and change nothing.
 *
 * A read that still does not show a provisional state after
 * PROVISIONAL_TTL_MS wins: the stream said something the server does not
 * confirm (a duplicate, or an event from before a gap). A final state is
 * never left for another (a procedure cannot change after its end).
 */

import { isFinal, type ProcedureState, stateName } from "../../../domain/states.ts";
import type { JsonObject, Procedure, StateEntry } from "../../../domain/types.ts";

/**
 * How long a state announced by the stream is shown without a read that
 * confirms it. The measured lag of GET is under 30 ms; this is generous.
 */
export const PROVISIONAL_TTL_MS = 2_000;

/** The state oet shows, ahead of the server's answer (`-o jsonl` of a watch). */
export const DERIVED_STATE_FIELD = "derived_state";
/** The states the stream announced that no read has shown yet, with the time oet received them. */
export const UNCONFIRMED_FIELD = "unconfirmed_states";

/** At most this many states are kept waiting for the stream (a silent stream delivers none). */
const AWAITING_LIMIT = 50;

/** What became of one announced state change. */
export type Announced =
  /** The shown state changed. */
  | "changed"
  /** Known already (a read showed it, or it repeats the current state): nothing to show. */
  | "known"
  /** A procedure this book has never read: only a read can tell what it is. */
  | "unknown";

interface Entry {
  server: Procedure;
  provisional: StateEntry[];
  /** When the oldest provisional state arrived (ms since the epoch). */
  provisionalSince?: number;
  awaiting: ProcedureState[];
}

/** The procedures of one watch, by id. */
export class ProcedureBook {
  readonly #entries = new Map<number, Entry>();

  /**
   * Takes what a read answered. With `complete` (the whole list was read) a
   * known procedure that is missing was removed by the server (retention);
   * their ids are returned, and they are forgotten.
   */
  take(procedures: readonly Procedure[], complete: boolean, nowMs: number): number[] {
    for (const p of procedures) this.#takeOne(p, nowMs);
    if (!complete) return [];
    const listed = new Set(procedures.map((p) => p.id));
    const removed = [...this.#entries.keys()].filter((id) => !listed.has(id));
    for (const id of removed) this.#entries.delete(id);
    return removed;
  }

  /** Forgets a procedure the server no longer has (a 404 for it). */
  drop(pid: number): boolean {
    return this.#entries.delete(pid);
  }

  /** Takes a state change from the event stream. */
  announce(pid: number, state: ProcedureState, nowMs: number): Announced {
    const entry = this.#entries.get(pid);
    if (!entry) return "unknown";
    if (entry.awaiting.length) {
      if (entry.awaiting[0] === state) {
        entry.awaiting.shift();
        return "known";
      }
      // Out of step (events lost, or more than one change): start afresh.
      entry.awaiting = [];
    }
    const current = currentState(entry);
    // States never repeat back to back, and nothing follows a final state.
    if (state === current || isFinal(current)) return "known";
    if (!entry.provisional.length) entry.provisionalSince = nowMs;
    entry.provisional.push({ state, time: nowMs / 1000 });
    return "changed";
  }

  /**
   * Forgets what the stream said: after a gap, events were lost, so the two
   * views can no longer be aligned (the next read starts them afresh).
   */
  resync(): void {
    for (const entry of this.#entries.values()) {
      entry.provisional = [];
      entry.provisionalSince = undefined;
      entry.awaiting = [];
    }
  }

  /** True while the stream has said something that no read has confirmed. */
  unconfirmed(): boolean {
    return [...this.#entries.values()].some((e) => e.provisional.length > 0);
  }

  /** Whether the book has read this procedure. */
  has(pid: number): boolean {
    return this.#entries.has(pid);
  }

  /** The ids known, in order. */
  ids(): number[] {
    return [...this.#entries.keys()].sort((a, b) => a - b);
  }

  /**
   * One procedure as best known: the server's answer with the states the
   * stream announced since appended to `state` and `history` (what a table
   * shows). The raw object (`-o jsonl`) keeps the server's values only: what
   * oet derived goes in fields that say so, `derived_state` and
   * `unconfirmed_states` (each `[state, the time oet received it]`), never
   * into the server's `history`.
   */
  get(pid: number): Procedure | undefined {
    const entry = this.#entries.get(pid);
    if (!entry) return undefined;
    const { server, provisional } = entry;
    if (!provisional.length) return server;
    const history = [...server.history, ...provisional];
    const state = provisional[provisional.length - 1].state;
    const raw: JsonObject = {
      ...server.raw,
      [DERIVED_STATE_FIELD]: stateName(state),
      [UNCONFIRMED_FIELD]: provisional.map((e) => [stateName(e.state), e.time]),
    };
    return { ...server, state, history, raw };
  }

  #takeOne(p: Procedure, nowMs: number): void {
    const entry = this.#entries.get(p.id);
    if (!entry) {
      this.#entries.set(p.id, { server: p, provisional: [], awaiting: [] });
      return;
    }
    const before = entry.server.history;
    const extends_ = p.history.length >= before.length &&
      before.every((e, i) => e.state === p.history[i].state);
    entry.server = p;
    if (!extends_) {
      // Not the same history (a read from before the last one): the read wins.
      entry.provisional = [];
      entry.awaiting = [];
      return;
    }
    for (const added of p.history.slice(before.length)) {
      if (entry.provisional[0]?.state === added.state) entry.provisional.shift();
      else if (entry.provisional.length) {
        // The stream said something else: the server's history wins.
        entry.provisional = [];
        entry.awaiting.push(added.state);
      } else entry.awaiting.push(added.state);
    }
    if (entry.awaiting.length > AWAITING_LIMIT) {
      entry.awaiting.splice(0, entry.awaiting.length - AWAITING_LIMIT);
    }
    if (!entry.provisional.length) entry.provisionalSince = undefined;
    else if (nowMs - (entry.provisionalSince ?? nowMs) >= PROVISIONAL_TTL_MS) {
      entry.provisional = [];
      entry.provisionalSince = undefined;
    }
  }
}

function currentState(entry: Entry): ProcedureState {
  return entry.provisional.at(-1)?.state ?? entry.server.state;
}
