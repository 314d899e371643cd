/**
 * When a watch reads the server again. Events only say that something may
 * have changed; reads say what. Reads are coalesced so that a flood of
 * events never turns into one GET per event: the watch reads one at a time
 * (the loop waits for each), the first reason to read starts a short
 * settling delay that gathers the events after it, and two reads start at
 * least MIN_INTERVAL_MS apart. Every GET also publishes events to every
 * listener (docs/servers.md, "Event topics and sources"), so reading less
 * is kinder to the server too.
 */

/**
 * The delay between an event that calls for a read and the read: GET lags
 * the stream by up to ~30 ms on loopback (docs/servers.md, "Timing"), and a
 * burst of events is read once.
 */
export const SETTLE_MS = 100;
/** The least time between the starts of two reads. */
export const MIN_INTERVAL_MS = 250;
/** How soon to read again while the stream said more than the last read showed. */
export const CONFIRM_RETRY_MS = 500;
/**
 * A read when nothing happens: a stream can go quiet without closing (the
 * OET sends no keep-alives, so silence cannot be told from a dead proxy).
 */
export const CHECK_INTERVAL_MS = 30_000;

/** The time of the next read (ms since the epoch). */
export class ReadSchedule {
  #lastStart: number;
  #due: number | undefined;

  /** `nowMs`: when the first read started. */
  constructor(nowMs: number) {
    this.#lastStart = nowMs;
  }

  /** An event calls for a read: soon, but not at once and not too often. */
  soon(nowMs: number): void {
    this.#earliest(Math.max(nowMs + SETTLE_MS, this.#lastStart + MIN_INTERVAL_MS));
  }

  /** Read at once (the stream was reconnected: events were lost). */
  now(nowMs: number): void {
    this.#due = nowMs;
  }

  /** Read again after `ms` (a read to confirm, a read that failed). */
  retry(nowMs: number, ms: number): void {
    this.#earliest(nowMs + ms);
  }

  /** When the next read is due. */
  dueAt(): number {
    return this.#due ?? this.#lastStart + CHECK_INTERVAL_MS;
  }

  /** A read starts now. */
  started(nowMs: number): void {
    this.#lastStart = nowMs;
    this.#due = undefined;
  }

  #earliest(at: number): void {
    this.#due = Math.min(this.#due ?? Infinity, at);
  }
}
