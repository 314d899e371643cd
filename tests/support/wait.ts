/**
 * The one way a test waits for something that happens on its own — the
 * simulator reaching a state, a line of output, a request arriving: event
 * based, never a timer. Everything in test support that records something a
 * test may wait for calls {@link changed} after it changes (an output chunk
 * arrived, a process ended, a request was recorded, a stream opened or
 * closed, the simulator's state moved); {@link until} checks its condition
 * at once and then only when notified, so the awaited event is seen as soon
 * as it happens, and a loaded machine is slow, never wrong.
 *
 * The deadline only bounds a failure: long enough for two suites sharing two
 * loaded cores, and the failure names what was awaited. A condition that is
 * true at the deadline although no notification came since it was last
 * false has a source that does not notify: that fails too, saying so, so a
 * wait on an unwired source can never pass by slowness.
 *
 * `OET_TEST_WAIT_AUDIT=1` finds an unwired source without waiting for a
 * deadline (and even when other sources notify meanwhile): each wait then
 * also looks at its condition every 5 ms, and fails at once when it has been
 * true for 50 ms with no notification. It is an audit, run by hand
 * (`OET_TEST_WAIT_AUDIT=1 deno task test`), not how a wait works.
 *
 * The notifier is one per test process (each test file runs in its own
 * worker), so a waiter wakes on any change in its own test and re-checks:
 * conditions must be cheap and without side effects.
 */

import type { Clock } from "../../src/domain/clock.ts";

/** How long a test waits for an event before it fails, unless it says otherwise. */
export const WAIT_LIMIT_MS = 20_000;

const AUDIT = Deno.env.get("OET_TEST_WAIT_AUDIT") === "1";

const waiters = new Set<() => void>();

/**
 * Says that something a test may wait for has changed: every pending
 * {@link until} re-checks its condition (in a microtask, so a change made of
 * several steps in one synchronous run is seen whole). Call it after the
 * change, in every source a test waits on.
 */
export function changed(): void {
  for (const wake of [...waiters]) wake();
}

/** How an {@link until} waits. */
export interface UntilOptions {
  /** The limit in ms; default {@link WAIT_LIMIT_MS}. */
  ms?: number;
  /** What to add to a failure (the output so far, say). */
  detail?: () => string;
  /** Whose time the deadline is in (a test of `until` itself gives a virtual clock); default real time. */
  clock?: Pick<Clock, "sleep">;
}

/** Real time: a timer the deadline clears when the wait ends first. */
const realTime: Pick<Clock, "sleep"> = {
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }),
};

/**
 * Resolves once `cond()` is true; checked now and after every
 * {@link changed}. After the limit it throws naming `what` (and `detail()`,
 * e.g. the output so far); if `cond()` is true by then although nothing
 * notified, it throws saying that the condition's source does not notify.
 * The third argument is the limit in ms, the detail when the default limit
 * will do, or {@link UntilOptions}.
 */
export async function until(
  cond: () => boolean,
  what: string,
  ms: number | (() => string) | UntilOptions = WAIT_LIMIT_MS,
  detail?: () => string,
): Promise<void> {
  const o: UntilOptions = typeof ms === "number"
    ? { ms, detail }
    : typeof ms === "function"
    ? { detail: ms }
    : ms;
  if (cond()) return;
  const limit = o.ms ?? WAIT_LIMIT_MS;
  const more = () => (o.detail ? `:\n${o.detail()}` : "");
  let expired = false;
  let notified = false;
  let unwired = false;
  let trueSince: number | undefined;
  let wake = () => {};
  const onChange = () => {
    notified = true;
    trueSince = undefined;
    wake();
  };
  const audit = AUDIT
    ? setInterval(() => {
      if (notified || !cond()) return void (trueSince = undefined);
      trueSince ??= performance.now();
      if (performance.now() - trueSince < 50) return;
      unwired = true;
      wake();
    }, 5)
    : undefined;
  const stop = new AbortController();
  const deadline = (o.clock ?? realTime).sleep(limit, stop.signal).then(() => {
    expired = true;
    wake();
  }, () => {});
  waiters.add(onChange);
  try {
    for (;;) {
      await new Promise<void>((resolve) => (wake = resolve));
      if (notified) {
        notified = false;
        if (cond()) return;
      }
      if (expired || unwired) {
        if (cond()) {
          throw new Error(
            `${what} came true ${
              unwired ? "(audit)" : `after ${limit} ms`
            } with no notification since it was last false: ` +
              `the condition's source does not notify (call changed() from tests/support/wait.ts ` +
              `where it records what the test waits for)${more()}`,
          );
        }
        throw new Error(`timed out after ${limit} ms waiting for ${what}${more()}`);
      }
    }
  } finally {
    waiters.delete(onChange);
    clearInterval(audit);
    stop.abort();
    await deadline;
  }
}
