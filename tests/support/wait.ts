/**
 * The one way a test waits for something that happens on its own — the
 * simulator reaching a state, a line of output, a request arriving: the
 * condition is checked again every few milliseconds (so the awaited event
 * is seen as soon as it happens, never after a guessed sleep), and the
 * deadline only bounds a failure: long enough for two suites sharing two
 * loaded cores, and the failure names what was awaited.
 */

/** How long a test waits for an event before it fails, unless it says otherwise. */
export const WAIT_LIMIT_MS = 20_000;

/**
 * Resolves once `cond()` is true; throws naming `what` (and `detail()`,
 * e.g. the output so far) after `ms`. The third argument is the limit in
 * ms, or the detail when the default limit will do.
 */
export async function until(
  cond: () => boolean,
  what: string,
  ms: number | (() => string) = WAIT_LIMIT_MS,
  detail?: () => string,
): Promise<void> {
  const limit = typeof ms === "number" ? ms : WAIT_LIMIT_MS;
  const more = typeof ms === "function" ? ms : detail;
  const deadline = Date.now() + limit;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${limit} ms waiting for ${what}${more ? `:\n${more()}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
