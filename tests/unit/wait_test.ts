/**
 * The tests' one wait (tests/support/wait.ts): it wakes on a notification,
 * not a timer, and it cannot pass on a source that does not notify. The
 * deadline runs on the virtual clock, so no test here depends on how fast
 * the machine is.
 */

import assert from "node:assert/strict";
import { changed, until } from "../support/wait.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

/** Lets every pending callback run (microtasks and due timers), so a wait that can settle has. */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** Whether `p` has settled (after {@link settle}). */
function watch(p: Promise<void>): { settled: boolean; error?: Error } {
  const s: { settled: boolean; error?: Error } = { settled: false };
  p.then(() => (s.settled = true), (e) => {
    s.settled = true;
    s.error = e;
  });
  return s;
}

Deno.test("until: a condition already true resolves at once, with no deadline started", async () => {
  const clock = new VirtualClock(0, { manual: true });
  await until(() => true, "true", { clock });
  assert.equal(clock.sleeps.length, 0);
});

Deno.test("until: wakes on changed() with no time passing, and only then", async () => {
  const clock = new VirtualClock(0, { manual: true });
  let ready = false;
  let checks = 0;
  const s = watch(until(() => (checks++, ready), "ready", { ms: 1_000, clock }));
  await settle();
  assert.equal(s.settled, false);
  const before = checks;
  ready = true;
  // Ten times a 5 ms poll's interval: a wait that polled would have looked by now.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.settled, false, "a change nobody announced is not seen before the deadline");
  assert.equal(checks, before, "not checked again without a notification");
  changed();
  await settle();
  assert.deepEqual(s, { settled: true });
  assert.equal(clock.t, 0, "no virtual time passed");
  assert.equal(clock.next, undefined, "the deadline was cleared");
});

Deno.test("until: every notification re-checks; a false one keeps waiting", async () => {
  const clock = new VirtualClock(0, { manual: true });
  let n = 0;
  const s = watch(until(() => n >= 3, "three", { ms: 1_000, clock }));
  for (let i = 0; i < 2; i++) {
    n++;
    changed();
    await settle();
    assert.equal(s.settled, false);
  }
  n++;
  changed();
  await settle();
  assert.deepEqual(s, { settled: true });
});

Deno.test("until: at the deadline it fails naming what it awaited, with the detail", async () => {
  const clock = new VirtualClock(0, { manual: true });
  const s = watch(
    until(() => false, "the COMPLETE row", { ms: 500, clock, detail: () => "so far" }),
  );
  await settle();
  clock.tick(499);
  await settle();
  assert.equal(s.settled, false);
  clock.tick(1);
  await settle();
  assert.equal(s.error?.message, "timed out after 500 ms waiting for the COMPLETE row:\nso far");
});

Deno.test("until: a condition that came true without a notification fails at the deadline as unwired", async () => {
  const clock = new VirtualClock(0, { manual: true });
  let ready = false;
  const s = watch(until(() => ready, "the stream to open", { ms: 500, clock }));
  await settle();
  ready = true; // and nobody calls changed()
  clock.tick(500);
  await settle();
  assert.match(
    s.error?.message ?? "",
    /^the stream to open came true after 500 ms with no notification since it was last false: the condition's source does not notify/,
  );
});

Deno.test("until: a notification that came with the deadline still counts", async () => {
  const clock = new VirtualClock(0, { manual: true });
  let ready = false;
  const s = watch(until(() => ready, "ready", { ms: 500, clock }));
  await settle();
  ready = true;
  changed();
  clock.tick(500);
  await settle();
  assert.deepEqual(s, { settled: true });
});

Deno.test("until: the old arguments still work (limit, detail) on real time", async () => {
  let ready = false;
  const p = until(() => ready, "ready", 5_000, () => "detail");
  ready = true;
  changed();
  await p;
  await assert.rejects(
    until(() => false, "never", 1, () => "d"),
    /timed out after 1 ms waiting for never:\nd/,
  );
});
