/**
 * The tests' virtual clock: time passes only when the code under test waits
 * (as gh tests `run watch` with a fixed `Now`), so a wait of an hour takes no
 * real time and every run of a test sees the same times.
 *
 * `alarm` schedules one interruption (a Ctrl-C at a virtual time): any wait
 * that would pass it stops there and rejects with the signal's reason, as
 * the real clock's sleep does when the signal fires.
 */

import type { Clock } from "../../src/domain/clock.ts";
import { InterruptedError } from "../../src/domain/errors.ts";

/** Time that passes only when the code under test waits. */
export class VirtualClock implements Clock {
  t: number;
  readonly #interrupt = new AbortController();
  #alarmAt: number | undefined;

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now = (): number => this.t;

  /** The interrupt signal (aborted by the alarm). */
  get signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  /** Aborts `signal` with a SIGINT once virtual time reaches `at`. */
  alarm(at: number): void {
    this.#alarmAt = at;
    this.#ring();
  }

  /**
   * Moves time on to `to` (never back), stopping at the alarm: returns false
   * when the alarm rang on the way (time then stands at the alarm).
   */
  advance(to: number): boolean {
    const alarm = this.#alarmAt;
    if (alarm !== undefined && to >= alarm && !this.#interrupt.signal.aborted) {
      this.t = Math.max(this.t, alarm);
      this.#ring();
      return false;
    }
    this.t = Math.max(this.t, to);
    return !this.#interrupt.signal.aborted || alarm === undefined || this.t < alarm;
  }

  #ring(): void {
    if (this.#alarmAt !== undefined && this.t >= this.#alarmAt && !this.#interrupt.signal.aborted) {
      this.#interrupt.abort(new InterruptedError("SIGINT"));
    }
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.advance(this.t + Math.max(0, ms));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve();
  };
}
