/**
 * Time, injected: `main.ts` gives the real clock, tests a virtual one
 * (tests/support/virtual_clock.ts). The one clock of `src/`: commands,
 * the follow room and the auth modules all take this.
 */

/** Time, injectable for tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A real clock (used by main.ts and most tests). It sleeps on
 * `AbortSignal.timeout`, not `setTimeout`: in Deno 2.9 the global timers
 * are Node's (`node:timers`), and the first `setTimeout` loads Deno's Node
 * compatibility layer (21 modules, about a fifth of a bare start).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = AbortSignal.timeout(Math.max(0, Math.round(ms)));
      const onTimer = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        timer.removeEventListener("abort", onTimer);
        reject(signal!.reason);
      };
      timer.addEventListener("abort", onTimer, { once: true });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
