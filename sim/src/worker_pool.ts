/**
 * The server's worker threads: a fixed pool every request needs a slot of
 * while it is handled, and every open `/stream` holds a slot of for as long
 * as the server believes its client is there.
 *
 * As measured on the real servers: waitress (5.x/6.x) has 4 threads, uvicorn's
 * thread pool (7.x/8.x) 40. A stream whose client disconnected keeps its slot
 * until the server next writes to it (twice on waitress, once on uvicorn, see
 * `poolModel` in flavor.ts). When every slot is held, new requests wait
 * without an answer, so streams left behind can wedge a server for good.
 */

import { Cancelled } from "./clock.ts";

/** What a slot is doing. */
export type SlotUse = "request" | "stream" | "dead-stream";

/** Counts for tests: what holds the pool now. */
export interface WorkerStats {
  /** Slots in the pool (`Infinity` when the model is off). */
  size: number;
  /** Slots held, for any reason. */
  busy: number;
  /** Slots held by requests being handled. */
  handling: number;
  /** Slots held by open streams whose client is still connected. */
  heldByStreams: number;
  /** Slots held by streams whose client has left (freed by later writes). */
  heldByDeadStreams: number;
  /** Requests waiting for a slot. */
  queued: number;
  /** Dead streams freed so far by writes to them (cumulative). */
  freedDeadStreams: number;
}

/** One held slot of a {@link WorkerPool}. */
export class WorkerSlot {
  #use: SlotUse | undefined = "request";

  constructor(readonly pool: WorkerPool) {}

  /** What the slot is used for now; `undefined` once released. */
  get use(): SlotUse | undefined {
    return this.#use;
  }

  /** Hands the slot over to something else (a request's slot to its stream). */
  become(use: SlotUse): void {
    if (this.#use === undefined) return;
    this.#use = use;
    this.pool.onChange?.();
  }

  /** Gives the slot back (once; later calls do nothing). */
  release(): void {
    if (this.#use === undefined) return;
    const wasDead = this.#use === "dead-stream";
    this.#use = undefined;
    this.pool.returned(this, wasDead);
  }
}

/** A pool of worker slots with a first-come, first-served queue. */
export class WorkerPool {
  readonly size: number;
  readonly #held = new Set<WorkerSlot>();
  readonly #waiting: { grant: (slot: WorkerSlot) => void; refuse: (e: Error) => void }[] = [];
  #freedDead = 0;
  #closed = false;

  /**
   * `size` 0 or `Infinity` turns the model off: no request ever waits.
   * `onChange` is called after every change of the {@link stats}.
   */
  constructor(size: number, readonly onChange?: () => void) {
    this.size = size > 0 ? size : Infinity;
  }

  /** Resolves with a slot once one is free; rejects with `Cancelled` after {@link close}. */
  acquire(): Promise<WorkerSlot> {
    if (this.#closed) return Promise.reject(new Cancelled());
    if (this.#held.size < this.size && this.#waiting.length === 0) {
      return Promise.resolve(this.#grant());
    }
    return new Promise((grant, refuse) => {
      this.#waiting.push({ grant, refuse });
      this.onChange?.();
    });
  }

  /** Called by {@link WorkerSlot.release}. */
  returned(slot: WorkerSlot, wasDeadStream: boolean): void {
    if (!this.#held.delete(slot)) return;
    if (wasDeadStream) this.#freedDead++;
    while (this.#waiting.length && this.#held.size < this.size) {
      this.#waiting.shift()!.grant(this.#grant());
    }
    this.onChange?.();
  }

  /** The counts tests assert on. */
  stats(): WorkerStats {
    let handling = 0;
    let streams = 0;
    let dead = 0;
    for (const slot of this.#held) {
      if (slot.use === "request") handling++;
      else if (slot.use === "stream") streams++;
      else if (slot.use === "dead-stream") dead++;
    }
    return {
      size: this.size,
      busy: this.#held.size,
      handling,
      heldByStreams: streams,
      heldByDeadStreams: dead,
      queued: this.#waiting.length,
      freedDeadStreams: this.#freedDead,
    };
  }

  /** Refuses every waiting and later request (shutdown). */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.refuse(new Cancelled());
  }

  #grant(): WorkerSlot {
    const slot = new WorkerSlot(this);
    this.#held.add(slot);
    this.onChange?.();
    return slot;
  }
}
