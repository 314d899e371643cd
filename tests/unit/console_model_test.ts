/**
 * `oet console` without a terminal: the keys (raw input split into keys),
 * what each key does to the state and asks to send, the dialogs, the
 * protected-context confirmation, the bounded scrollback, and the
 * argument fields' shell-like splitting into the CLI's script calls.
 */

import assert from "node:assert/strict";
import { messageLine } from "../../src/commands/console/monitor.ts";
import { parseKeys } from "../../src/commands/console/keys.ts";
import {
  ConsoleState,
  type Effect,
  type Key,
  pressKey,
  SCROLLBACK,
} from "../../src/commands/console/model.ts";
import { scriptCall, shellWords } from "../../src/commands/console/script_words.ts";
import { UsageError } from "../../src/domain/errors.ts";
import { busyState, procedure } from "../support/console_fixtures.ts";

/** The open dialog's kind (read through a call: the type checker cannot see keys change it). */
function dialogOf(s: ConsoleState): string | undefined {
  return s.dialog?.kind;
}

/** Presses the keys a chunk of raw input holds; returns the last effect. */
function type(s: ConsoleState, raw: string): Effect {
  let last: Effect;
  for (const k of parseKeys(raw)) last = pressKey(s, k) ?? last;
  return last;
}

Deno.test("raw input: letters, arrows (CSI and SS3), page keys, Tab, Shift-Tab, Enter, Esc, Backspace, Ctrl-C", () => {
  const keys = parseKeys("jk\x1b[A\x1bOB\x1b[5~\x1b[6~\t\x1b[Z\r\x1b\x7f\x03\x1b[15~x");
  const names = keys.map((k: Key) =>
    k.input || Object.keys(k).filter((n) => n !== "input" && k[n as keyof Key]).join()
  );
  assert.deepEqual(names, [
    "j",
    "k",
    "up",
    "down",
    "pageUp",
    "pageDown",
    "tab",
    "shiftTab",
    "enter",
    "escape",
    "backspace",
    "ctrlC",
    // F5 (ESC [ 1 5 ~) is dropped whole: it types nothing.
    "x",
  ]);
});

Deno.test("q and Ctrl-C quit; ? opens the help and Esc closes it", () => {
  assert.deepEqual(type(busyState(), "q"), { kind: "quit" });
  assert.deepEqual(type(busyState(), "\x03"), { kind: "quit" });
  const s = busyState();
  type(s, "?");
  assert.equal(dialogOf(s), "help");
  // In the help, q closes the help rather than quitting.
  assert.equal(type(s, "q"), undefined);
  assert.equal(s.dialog, undefined);
  // Ctrl-C quits from inside any dialog.
  type(s, "c");
  assert.deepEqual(type(s, "\x03"), { kind: "quit" });
});

Deno.test("arrows and j/k move the selection within the list; Tab moves between panes", () => {
  const s = busyState();
  assert.equal(s.selectedProcedure()?.id, 4);
  type(s, "jj\x1b[B");
  assert.equal(s.selectedProcedure()?.id, 1);
  type(s, "j");
  assert.equal(s.selectedProcedure()?.id, 1, "stops at the last");
  type(s, "\x1b[5~");
  assert.equal(s.selectedProcedure()?.id, 4, "PgUp stops at the first");
  type(s, "\t");
  assert.equal(s.pane, "activities");
  type(s, "j");
  assert.equal(s.selectedActivity()?.id, 1);
  // The activities pane's focus is its procedure.
  assert.equal(s.focusProcedure()?.id, 2);
  type(s, "\t\t");
  assert.equal(s.pane, "procedures");
  type(s, "\x1b[Z");
  assert.equal(s.pane, "messages");
});

Deno.test("the selection stays on the same id when the list is read again", () => {
  const s = busyState();
  type(s, "j");
  assert.equal(s.selectedProcedure()?.id, 3);
  s.setLists([procedure(5, "READY", 100), ...s.procedures], s.activities);
  assert.equal(s.selectedProcedure()?.id, 3);
  // A state change from the stream shows before the next read confirms it.
  s.applyStateChange(3, "COMPLETE", Date.UTC(2026, 11, 7, 12, 5));
  assert.equal(s.selectedProcedure()?.state, "COMPLETE");
  assert.equal(s.selectedProcedure()?.history.at(-1)?.state, "COMPLETE");
});

Deno.test("a read sent before a state change the stream reported does not undo it; a later read decides", () => {
  const s = busyState();
  const readyAt = Date.UTC(2026, 11, 7, 12, 5);
  s.applyStateChange(4, "RUNNING", readyAt);
  assert.equal(s.selectedProcedure()?.state, "RUNNING");
  // Answered from before the change (the read was sent a moment before the event came).
  s.setLists([procedure(4, "READY", 90)], [], readyAt - 10);
  assert.equal(s.selectedProcedure()?.state, "RUNNING");
  // A read sent after it is the server's word.
  s.setLists([procedure(4, "READY", 90)], [], readyAt + 10);
  assert.equal(s.selectedProcedure()?.state, "READY");
});

Deno.test("c: script URI, then init arguments, then one create to send", () => {
  const s = busyState();
  type(s, "c");
  assert.equal(type(s, "\r"), undefined, "an empty URI goes nowhere");
  type(s, "file:///scripts/observe.py\r");
  assert.deepEqual(s.dialog, {
    kind: "create",
    step: "args",
    uri: "file:///scripts/observe.py",
    text: "",
  });
  type(s, "3 --subarray_id=2x\x7f");
  assert.deepEqual(type(s, "\r"), {
    kind: "send",
    action: { kind: "create", uri: "file:///scripts/observe.py", args: "3 --subarray_id=2" },
  });
  assert.equal(s.dialog, undefined);
});

Deno.test("s starts the selected procedure; r asks the activity name then the SBD id", () => {
  const s = busyState();
  type(s, "s");
  type(s, "--scan_duration=5");
  assert.deepEqual(type(s, "\r"), {
    kind: "send",
    action: { kind: "start", pid: 4, args: "--scan_duration=5" },
  });
  type(s, "r");
  type(s, "observe\r");
  assert.deepEqual(type(s, "sbd-t0001-20250403-00001\r"), {
    kind: "send",
    action: { kind: "run", name: "observe", sbdId: "sbd-t0001-20250403-00001" },
  });
});

Deno.test("x: stop and abort is the default; stop only; cancel sends nothing", () => {
  const s = busyState();
  type(s, "j");
  type(s, "x");
  assert.deepEqual(type(s, "\r"), {
    kind: "send",
    action: { kind: "stop", pid: 3, abort: true },
  });
  type(s, "x");
  type(s, "\x1b[B");
  assert.deepEqual(type(s, "\r"), {
    kind: "send",
    action: { kind: "stop", pid: 3, abort: false },
  });
  type(s, "x");
  type(s, "jj");
  assert.equal(type(s, "\r"), undefined);
  assert.equal(s.dialog, undefined);
  type(s, "x");
  assert.equal(type(s, "\x1b"), undefined);
  assert.equal(s.dialog, undefined);
});

Deno.test("a protected context: every action asks for the context's name; a wrong name sends nothing", () => {
  const s = busyState();
  s.target.protectedName = "mid-prod";
  type(s, "x");
  assert.equal(type(s, "\r"), undefined, "not sent before the name is typed");
  assert.equal(dialogOf(s), "confirm");
  type(s, "mid-pro\r");
  assert.equal(s.dialog, undefined);
  assert.match(
    s.status?.text ?? "",
    /not confirmed: "mid-pro" is not mid-prod; nothing was sent/,
  );
  type(s, "x\r");
  assert.deepEqual(type(s, "mid-prod\r"), {
    kind: "send",
    action: { kind: "stop", pid: 4, abort: true },
  });
  // Start, create and run ask too.
  type(s, "s\r");
  assert.equal(dialogOf(s), "confirm");
  type(s, "\x1b");
  type(s, "c");
  type(s, "file:///a.py\r\r");
  assert.equal(dialogOf(s), "confirm");
  type(s, "\x1b");
  type(s, "rx\ry\r");
  assert.equal(dialogOf(s), "confirm");
});

Deno.test("read-only: c, s, r and x open nothing and send nothing", () => {
  const s = busyState(true);
  for (const k of "csrx") {
    assert.equal(type(s, k), undefined);
    assert.equal(s.dialog, undefined);
    assert.equal(s.status?.kind, "error");
  }
});

Deno.test("the scrollback keeps the newest 10,000 lines", () => {
  const s = new ConsoleState({ label: "x", root: "http://x" }, false);
  for (let batch = 0; batch < 25; batch++) {
    s.addLines(
      Array.from({ length: 1000 }, (_, i) => ({
        at: 0,
        kind: "message" as const,
        text: `line ${batch * 1000 + i}`,
      })),
    );
  }
  assert.equal(s.lines.length, SCROLLBACK);
  assert.equal(s.lines[0].text, "line 15000");
  assert.equal(s.lines.at(-1)?.text, "line 24999");
});

Deno.test("messages paused: the view stays on the same lines while new ones arrive; f follows again", () => {
  const s = new ConsoleState({ label: "x", root: "http://x" }, false);
  const line = (n: number) => ({ at: 0, pid: 1, kind: "message" as const, text: `line ${n}` });
  s.addLines(Array.from({ length: 100 }, (_, i) => line(i)));
  type(s, "\t\t");
  type(s, "kkk");
  assert.equal(s.follow, false);
  const before = s.visibleWindow(5, s.scroll);
  assert.deepEqual(before.lines.map((l) => l.text), [
    "line 92",
    "line 93",
    "line 94",
    "line 95",
    "line 96",
  ]);
  assert.equal(before.newer, 3);
  s.addLines([line(100), line(101)]);
  const after = s.visibleWindow(5, s.scroll);
  assert.deepEqual(after.lines, before.lines);
  assert.equal(after.newer, 5);
  // The window agrees with the whole filtered list, with a filter on too.
  s.search = "9";
  const all = s.visibleLines();
  const w = s.visibleWindow(4, 2);
  assert.deepEqual(w.lines, all.slice(-6, -2));
  type(s, "f");
  assert.equal(s.scroll, 0);
  assert.deepEqual(s.visibleWindow(1, 0).lines[0].text, "line 99");
});

Deno.test("messages: script messages, state changes and failures of a procedure; other topics skipped", () => {
  const at = 1;
  assert.deepEqual(
    messageLine({ topic: "user.script.announce", msgSrc: "3", data: { msg: "scan 1" } }, at),
    { at, pid: 3, kind: "message", text: "Script message: scan 1" },
  );
  assert.deepEqual(
    messageLine({
      topic: "procedure.lifecycle.statechange",
      msgSrc: "3",
      data: { new_state: "RUNNING" },
    }, at),
    { at, pid: 3, kind: "state", text: "State: RUNNING" },
  );
  assert.equal(
    messageLine({
      topic: "procedure.lifecycle.stacktrace",
      msgSrc: "3",
      data: { stacktrace: "T\nValueError: x" },
    }, at)
      ?.text,
    "Failed: ValueError: x",
  );
  assert.equal(messageLine({ topic: "request.procedure.list", data: {} }, at), undefined);
});

Deno.test("argument fields: shell-like words, then the CLI's script call", () => {
  assert.deepEqual(shellWords(`3 'two words' "a \\"q\\"" b\\ c --x=1`), [
    "3",
    "two words",
    'a "q"',
    "b c",
    "--x=1",
  ]);
  assert.deepEqual(shellWords("  "), []);
  assert.deepEqual(shellWords("''"), [""]);
  assert.throws(() => shellWords("'open"), UsageError);
  assert.deepEqual(
    scriptCall("3 'two words' --subarray-id=2 --verbose --name obs --kwarg id=007"),
    {
      args: [3, "two words"],
      kwargs: { subarray_id: 2, verbose: true, name: "obs", id: "007" },
    },
  );
  assert.deepEqual(scriptCall(`--sbi="'007'"`), { args: [], kwargs: { sbi: "007" } });
  assert.throws(() => scriptCall("--a=1 --a=2"), /given twice/);
  assert.throws(() => scriptCall("--kwarg nope"), /--kwarg takes name=value/);
});
