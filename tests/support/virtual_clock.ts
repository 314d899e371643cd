/**
 * The tests' virtual clock: time passes only when the code under test waits
 * (as gh tests `run watch` with a fixed `Now`), so a wait of an hour takes no
 * real time and every run of a test sees the same times.
 *
 * `alarm` schedules one interruption (a Ctrl-C at a virtual time): any wait
 * that would pass it stops there and rejects with the signal's reason, as
 * the real clock's sleep does when the signal fires.
 *
 * With `{ manual: true }` time passes only when the test says (`tick`): a
 * sleep waits until then, so a test can look at a loop between two of its
 * rounds (the watch goldens). Every sleep is recorded (`sleeps`) either way.
 *
 * With `{ realTime: true }` sleeps take real time and time runs on from
 * `start` as real time does, plus every `jump`: for `oet` working against a
 * real server (the simulator runs in real time: a virtual sleep would end
 * at once and turn a wait on the event stream into a busy loop of reads, a
 * manual one would never end the re-read that confirms an end) at a time
 * the test chooses (a token's life passing at once, a clock that is off).
 * The one test clock: there is no other.
 */

import type { Clock } from "../../src/domain/clock.ts";
import { InterruptedError } from "../../src/domain/errors.ts";
import { changed } from "./wait.ts";

/** The start the auth tests' clocks share (the tokens they mint are dated from it). */
export const AUTH_T0 = Date.UTC(2026, 10, 29, 21, 0, 0);

/** Time that passes only when the code under test waits. */
export class VirtualClock implements Clock {
  t: number;
  readonly #interrupt = new AbortController();
  #alarmAt: number | undefined;

  /** Every sleep asked for (ms), in order; its length counts the sleeps begun. */
  readonly sleeps: number[] = [];
  /** Called as each sleep begins (to act in the middle of a wait: abort a poll, say). */
  onSleep?: (ms: number) => void;
  readonly #manual: boolean;
  /** Real time: when the clock was made (`performance.now()`), else undefined. */
  readonly #born: number | undefined;
  readonly #sleepers = new Set<{ at: number; wake: () => void }>();

  constructor(start = 1_000_000, o: { manual?: boolean; realTime?: boolean } = {}) {
    this.t = start;
    this.#manual = o.manual ?? false;
    this.#born = o.realTime ? performance.now() : undefined;
  }

  now = (): number =>
    this.#born === undefined ? this.t : this.t + Math.round(performance.now() - this.#born);

  /** Moves time on by `ms` at once, waking no sleeper. */
  jump(ms: number): void {
    this.t += ms;
  }

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
    this.sleeps.push(ms);
    // A test may wait for the code under test to sleep (`until` in wait.ts).
    changed();
    this.onSleep?.(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#born !== undefined) return realSleep(ms, signal);
    if (this.#manual) return this.#wait(ms, signal);
    this.advance(this.t + Math.max(0, ms));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return Promise.resolve();
  };

  /** Manual: a sleep that ends when `tick` moves time past it, or rejects when aborted. */
  #wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = {
        at: this.t + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers.delete(sleeper);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** Manual: the earliest time a sleeper wakes at, if any sleeps. */
  get next(): number | undefined {
    let at: number | undefined;
    for (const s of this.#sleepers) at = Math.min(at ?? Infinity, s.at);
    return at;
  }

  /** Manual: moves time on by `ms` and wakes the sleepers due, in order; true if one woke. */
  tick(ms: number): boolean {
    this.t += ms;
    let woke = false;
    for (const s of [...this.#sleepers].sort((a, b) => a.at - b.at)) {
      if (s.at > this.t) continue;
      this.#sleepers.delete(s);
      s.wake();
      woke = true;
    }
    return woke;
  }
}

/** A sleep of `ms` real milliseconds, ended early (rejecting) by `signal`. */
function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
