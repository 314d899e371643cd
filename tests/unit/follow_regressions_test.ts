/**
 * Every failing timeline the follow room's property suite found
 * (tests/unit/follow_property_test.ts), kept as a named example: each one
 * failed before its fix, and must keep passing the whole contract
 * (`checkTimeline`) and its own point.
 */

import assert from "node:assert/strict";
import { checkTimeline, runTimeline, type Timeline } from "../support/follow_script.ts";

const CALM: Timeline = {
  kind: "start",
  output: "table",
  outcome: "COMPLETE",
  messages: 0,
  stepMs: 0,
  delayMs: 1,
  lagMs: 0,
  drops: [],
  readFaults: [],
  waitAfterMs: 0,
  noise: [],
};

Deno.test("found: a started procedure pruned right after it ended is UNKNOWN (exit 3), not HTTP 404 (exit 1), and its last events are still shown", async () => {
  const tl: Timeline = { ...CALM, outcome: "STOPPED", pruneAfterMs: 0 };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 3, o.stderr);
  assert.match(
    o.stderr,
    /procedure 7 is no longer known to the server .* the event stream last said STOPPED/,
  );
  assert.match(o.stdout, /- State: RUNNING\n- State: STOPPED\n$/);
});

Deno.test("found: a start answered 5xx that the server took but ran only after the 2 s check is followed to its end (a taken start records main's arguments)", async () => {
  const tl: Timeline = { ...CALM, delayMs: 2003, start5xx: "ran" };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  // The server records main's arguments when it takes a start: that counts as started.
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /procedure 7 started although the server reported an error/);
});

Deno.test("found: a start answered 5xx that did not run: the error stands (exit 1), with how to check and follow it later", async () => {
  const tl: Timeline = { ...CALM, start5xx: "not-ran" };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 1, o.stderr);
  assert.match(
    o.stderr,
    /hint: it did not start within 2 s; check later with: oet procedure describe --pid 7, and follow it with: oet procedure wait --pid 7\n/,
  );
});

Deno.test('found: a start answered 5xx whose check meets an expired token never says "nothing was sent"', async () => {
  const tl: Timeline = { ...CALM, start5xx: "ran", tokenExpiresAt: 3 };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 5, o.stderr);
  assert.doesNotMatch(o.stderr, /nothing was sent/);
  assert.match(
    o.stderr,
    /the start of procedure 7 was sent \(the server answered HTTP 500\) and may have run/,
  );
});

Deno.test("found: procedure wait on a run that ended STOPPED, stdout closed before its row: exit 3, never 0", async () => {
  for (const output of ["table", "jsonl"] as const) {
    const tl: Timeline = {
      ...CALM,
      kind: "wait",
      output,
      outcome: "STOPPED",
      stdoutClosesAfter: 0,
    };
    await checkTimeline(tl);
    assert.equal((await runTimeline(tl)).code, 3);
  }
});

Deno.test("found: a start answered 5xx that ran and was pruned during the check: its events, then UNKNOWN (exit 3)", async () => {
  const tl: Timeline = { ...CALM, outcome: "FAILED", start5xx: "ran", pruneAfterMs: 0 };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 3, o.stderr);
  assert.match(o.stdout, /- State: FAILED\n$/);
});

Deno.test("found: procedure wait whose first read is answered 500 retries it, as every read of a wait", async () => {
  const tl: Timeline = {
    ...CALM,
    kind: "wait",
    readFaults: [{ at: 0, ms: 3, kind: "5xx" }],
  };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(o.stderr.match(/trying again/g)?.length, 1, o.stderr);
});

Deno.test("found: activity run whose procedure is pruned before oet first read it: its events, then UNKNOWN (exit 3), never a bare HTTP 404", async () => {
  for (const readFaults of [[], [{ at: 0, ms: 5, kind: "5xx" as const }]]) {
    const tl: Timeline = {
      ...CALM,
      kind: "activity",
      outcome: "FAILED",
      pruneAfterMs: 0,
      readFaults,
    };
    await checkTimeline(tl);
    const o = await runTimeline(tl);
    assert.equal(o.code, 3, o.stderr);
    assert.doesNotMatch(o.stderr, /HTTP 404/);
    assert.match(o.stderr, /activity 1 \(procedure 7\) is no longer known to the server/);
  }
});

Deno.test("found: stdout closed by a gap line while a start answered 5xx is checked: exit 141, never the quiet 0", async () => {
  const tl: Timeline = {
    ...CALM,
    output: "jsonl",
    drops: [{ at: 0, downMs: 0, closedByServer: false }],
    start5xx: "not-ran",
    stdoutClosesAfter: 0,
  };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 141, o.stderr);
  assert.match(o.stderr, /stdout was closed before the work was under way/);
});

Deno.test("found: activity run -o jsonl whose procedure was pruned before oet read it still ends with the activity's object", async () => {
  const tl: Timeline = {
    ...CALM,
    kind: "activity",
    output: "jsonl",
    pruneAfterMs: 0,
    readFaults: [{ at: 0, ms: 5, kind: "5xx" }],
  };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 3, o.stderr);
  assert.equal(JSON.parse(o.stdout.trimEnd().split("\n").at(-1)!).id, 1);
});

Deno.test("found (in the scripted server): an event that arrives just as the stream reconnects comes after the reconnection, and is printed", async () => {
  const tl: Timeline = {
    ...CALM,
    delayMs: 1670,
    lagMs: 171,
    drops: [{ at: 1029, downMs: 815, closedByServer: false }],
  };
  await checkTimeline(tl);
  const o = await runTimeline(tl);
  assert.equal(o.code, 0, o.stderr);
  // RUNNING fell in the gap; READY came on the new connection, with COMPLETE.
  assert.match(o.stdout, /Events\n------\n\n- State: READY\n- State: COMPLETE\n$/);
});
