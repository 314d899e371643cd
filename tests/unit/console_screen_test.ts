/**
 * `oet console`'s screen on a virtual terminal: every pane and state drawn
 * by Ink's own renderer (`renderToString`) at a fixed size, with goldens of
 * full 80×24 and 160×48 frames (tests/golden/console/).
 */

import assert from "node:assert/strict";
import { ConsoleState, pressKey } from "../../src/commands/console/model.ts";
import { detailLines, shortDuration } from "../../src/commands/console/screen.ts";
import { busyState, frame, NOW, procedure, T0 } from "../support/console_fixtures.ts";
import { assertGolden } from "../support/golden.ts";

/** Every line of a frame fits the width, and there are exactly `rows` lines. */
function assertFits(text: string, columns: number, rows: number): void {
  const lines = text.replace(/\n$/, "").split("\n");
  assert.equal(lines.length, rows, `a frame of ${rows} lines:\n${text}`);
  for (const l of lines) assert.ok([...l].length <= columns, `line wider than ${columns}: ${l}`);
}

Deno.test("80×24 frame: header, procedures (running, selection), activities, messages, footer", () => {
  const text = frame(busyState(), 80, 24);
  assertFits(text, 80, 24);
  assertGolden("console/busy_80x24", text);
});

Deno.test("160×48 frame: the detail beside the messages", () => {
  const s = busyState();
  // Select procedure 2 (FAILED): its stack trace is in the detail.
  pressKey(s, { input: "j" });
  pressKey(s, { input: "j" });
  const text = frame(s, 160, 48);
  assertFits(text, 160, 48);
  assertGolden("console/failed_160x48", text);
  assert.match(text, /ValueError: scan 3 failed: dish SKA001 did not track/);
});

Deno.test("the tables have the list commands' cells and headers", () => {
  const text = frame(busyState(), 160, 48);
  assert.match(text, /ID {2}Script {26}Creation time {8}State/);
  assert.match(
    text,
    /› {4}4 {2}file:\/\/\/scripts\/hello_world\.py {2}2026-12-07 12:01:30 {2}READY/,
  );
  assert.match(text, /ID {2}Activity {4}SB ID {21}Creation Time {10}Procedure ID {2}State/);
  assert.match(
    text,
    / 2 {2}observe {5}sbd-t0001-20250403-00001 {2}2026-12-07 12:00:59 {15}3 {2}RUNNING/,
  );
  // At 80 columns the widest text column gives way, and State stays.
  const narrow = frame(busyState(), 80, 24);
  assert.match(
    narrow,
    / 2 {2}observe {5}sbd-t0001-202… {2}2026-12-07 12:00:59 {15}3 {2}RUNNING\n/,
  );
});

Deno.test("detail: what failed first, init/main arguments, git origin, the timeline with durations", () => {
  const running = detailLines(procedure(3, "RUNNING", 60, "git://scripts/observe.py"), NOW);
  assert.deepEqual(running, [
    "Procedure 3: git://scripts/observe.py (RUNNING)",
    "init: args [], kwargs {'subarray_id': 1}",
    "main: args [], kwargs {'scan_duration': 10}",
    "Git: https://gitlab.com/ska-telescope/oso/ska-oso-scripting @ main (4f2a9c1e77d0)",
    "Timeline:",
    `  2026-12-07 12:01:00  ${"CREATING".padEnd(13)}  0.2s`,
    `  2026-12-07 12:01:00  ${"IDLE".padEnd(13)}  0.1s`,
    `  2026-12-07 12:01:00  ${"LOADING".padEnd(13)}  0.6s`,
    `  2026-12-07 12:01:00  ${"IDLE".padEnd(13)}  0.1s`,
    `  2026-12-07 12:01:01  ${"INITIALISING".padEnd(13)}  0.5s`,
    `  2026-12-07 12:01:01  ${"READY".padEnd(13)}  2.5s`,
    // The state it is in counts up to now (two minutes after T0).
    `  2026-12-07 12:01:04  ${"RUNNING".padEnd(13)}  56.0s…`,
  ]);
  const failed = detailLines(procedure(2, "FAILED", 20), NOW, 12);
  assert.deepEqual(failed, [
    "Procedure 2: file:///scripts/hello_world.py (FAILED)",
    "Stack trace (last lines):",
    "      self.script.main(*args, **kwargs)",
    '    File "/scripts/fail.py", line 12, in main',
    '      raise ValueError("scan 3 failed: dish SKA001 did not track")',
    "  ValueError: scan 3 failed: dish SKA001 did not track",
    "init: args [], kwargs {'subarray_id': 1}",
    "main: args [], kwargs {'scan_duration': 10}",
    // Short of room, the newest of the timeline; a final state has no running duration.
    "Timeline (the last 3 of 8):",
    `  2026-12-07 12:00:21  ${"READY".padEnd(13)}  2.5s`,
    `  2026-12-07 12:00:24  ${"RUNNING".padEnd(13)}  5.3s`,
    "  2026-12-07 12:00:29  FAILED",
  ]);
  assert.deepEqual(detailLines(undefined, NOW), ["Nothing selected."]);
  assert.equal(shortDuration(4200), "4.2s");
  assert.equal(shortDuration(185_000), "3m05s");
  assert.equal(shortDuration(7_260_000), "2h01m");
});

Deno.test("header: every connection state, identity, read-only, the UTC clock", () => {
  const s = busyState(true);
  s.identity = "operator@ska";
  const header = () => frame(s, 160, 48).split("\n")[0];
  assert.match(
    header(),
    /^oet console · live · OET 5 · 127\.0\.0\.1:5000 · operator@ska · read-only · http:\/\/127\.0\.0\.1:5000\/api\/v1\.0 +12:02:00 UTC$/,
  );
  s.setConnection({ kind: "connecting" });
  assert.match(header(), /· connecting ·/);
  s.setConnection({ kind: "reconnecting", since: NOW - 1000 });
  assert.match(header(), /· reconnecting ·/);
  s.setConnection({ kind: "gap", since: NOW - 65_000 });
  assert.match(header(), /· gap since 12:00:55 ·/);
  s.setConnection({
    kind: "unreachable",
    since: NOW,
    message: "cannot reach 127.0.0.1:5000: connection refused",
    hint: "is the OET running?",
  });
  const text = frame(s, 80, 24);
  assert.match(text.split("\n")[0], /· unreachable, retrying ·/);
  // The status line says why, with the commands' hint, and that it retries.
  // The status line says why as the commands do; the hint takes the keys' line when it must.
  assert.match(
    text,
    /\nerror: cannot reach 127\.0\.0\.1:5000: connection refused\nhint: is the OET running\?\n$/,
  );
  assert.match(
    frame(s, 160, 48),
    /\nerror: cannot reach 127\.0\.0\.1:5000: connection refused · hint: is the OET running\?\n/,
  );
  assertGolden("console/unreachable_80x24", text);
  // At 80 columns the clock stays and the root is what gives way.
  assert.match(frame(s, 80, 24).split("\n")[0], /… 12:02:00 UTC$/);
});

Deno.test("messages: filter to the selection, search, follow off, gap markers", () => {
  const s = busyState();
  let text = frame(s, 80, 24);
  assert.match(text, /─ Messages \(all · follow\) ─/);
  assert.match(text, /12:01:10 ── stream down 12:01:05–12:01:10: events may be missing/);
  // l: only the selected procedure's (4) lines, gap markers kept.
  pressKey(s, { input: "l" });
  text = frame(s, 80, 24);
  assert.match(text, /Messages \(procedure 4 · follow\)/);
  assert.match(text, /#4 State: READY/);
  assert.doesNotMatch(text, /#3 /);
  assert.match(text, /── stream down/);
  pressKey(s, { input: "l" });
  // /: search
  pressKey(s, { input: "/" });
  for (const c of "scan") pressKey(s, { input: c });
  assert.match(frame(s, 80, 24), /Search messages/);
  pressKey(s, { input: "", enter: true });
  text = frame(s, 80, 24);
  assert.match(text, /Messages \(all · \/scan · follow\)/);
  assert.doesNotMatch(text, /State: READY/);
  assert.match(text, /scan 6\/10/);
  // f: follow off, then scrolling up shows older lines and how many are newer.
  pressKey(s, { input: "", escape: true });
  pressKey(s, { input: "", tab: true });
  pressKey(s, { input: "", tab: true });
  pressKey(s, { input: "k" });
  text = frame(s, 80, 24);
  assert.match(text, /Messages \(all · paused, 1 newer\)/);
  assert.doesNotMatch(text, /scan 6\/10/);
  pressKey(s, { input: "f" });
  assert.match(frame(s, 80, 24), /Messages \(all · follow\)/);
});

Deno.test("Enter shows the detail in place of the messages on an 80-column screen", () => {
  const s = busyState();
  pressKey(s, { input: "", enter: true });
  const text = frame(s, 80, 24);
  assert.match(text, /─ Detail ─/);
  assert.doesNotMatch(text, /─ Messages/);
  assertGolden("console/detail_80x24", text);
});

Deno.test("dialogs: help, create, start, run, stop, protected confirmation", () => {
  const s = busyState();
  pressKey(s, { input: "?" });
  let text = frame(s, 80, 24);
  assert.match(text, /│ Keys/);
  assert.match(text, /x {12}stop the selected procedure/);
  pressKey(s, { input: "", escape: true });
  pressKey(s, { input: "x" });
  text = frame(s, 80, 24);
  assert.match(text, /Stop procedure 4/);
  assert.match(text, /› stop and run the abort script \(the default\)/);
  assertGolden("console/stop_dialog_80x24", text);
  pressKey(s, { input: "", escape: true });
  pressKey(s, { input: "c" });
  assert.match(frame(s, 80, 24), /Script URI: ▏/);
  pressKey(s, { input: "", escape: true });
  pressKey(s, { input: "s" });
  assert.match(frame(s, 80, 24), /Start procedure 4/);
  pressKey(s, { input: "", escape: true });
  pressKey(s, { input: "r" });
  assert.match(frame(s, 80, 24), /Activity name: ▏/);
  pressKey(s, { input: "", escape: true });
  s.target.protectedName = "mid-prod";
  pressKey(s, { input: "x" });
  pressKey(s, { input: "", enter: true });
  text = frame(s, 80, 24);
  assert.match(text, /Protected context mid-prod/);
  assert.match(text, /Type the context's name to confirm: ▏/);
});

Deno.test("read-only: the footer has no actions and the keys say why", () => {
  const s = busyState(true);
  let text = frame(s, 160, 48);
  assert.doesNotMatch(text, /c create/);
  for (const k of ["c", "s", "r", "x"]) {
    assert.equal(pressKey(s, { input: k }), undefined);
    assert.equal(s.dialog, undefined);
  }
  text = frame(s, 80, 24);
  assert.match(
    text,
    /\nerror: read-only console: stop is not available\nhint: start oet console without --read-only to act\n$/,
  );
});

Deno.test("below 80×24: a 'terminal too small' notice, never a broken frame", () => {
  for (const [c, r] of [[79, 24], [80, 23], [40, 10]]) {
    const text = frame(busyState(), c, r);
    assert.match(text, /^terminal too small\n/);
    assert.match(text, new RegExp(`${c}×${r}; oet console needs 80×24`));
  }
  assert.doesNotMatch(frame(busyState(), 80, 24), /too small/);
});

Deno.test("an empty server, and text from the server escaped", () => {
  const s = new ConsoleState({ label: "oet:5000", root: "http://oet:5000/api/v7" }, false);
  s.generation = "7+";
  let text = frame(s, 80, 24);
  assert.match(text, /no procedures \(c creates one\)/);
  assert.match(text, /no activities \(r runs one\)/);
  assert.match(text, /connecting · OET 7\+/);
  s.setLists([procedure(1, "RUNNING", 0, "file:///scripts/\x1b[2Jevil.py")], []);
  s.addLines([{
    at: T0 * 1000,
    pid: 1,
    kind: "message",
    text: "Script message: \x1b]0;title\x07hi",
  }]);
  text = frame(s, 80, 24);
  assert.ok(!text.includes("\x1b"), "no escape from the server reaches the terminal");
  assert.match(text, /\\x1b\[2Jevil\.py/);
});
