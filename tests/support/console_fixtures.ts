/**
 * Console states for the render and model tests: procedures and activities
 * as the client decodes them, at fixed times, and a frame drawn with Ink's
 * own renderer at a given terminal size.
 */

import { renderToString } from "ink";
import { ConsoleState, type MessageLine } from "../../src/commands/console/model.ts";
import { screen } from "../../src/commands/console/screen.ts";
import { type ProcedureState, procedureState } from "../../src/domain/states.ts";
import type { Activity, Procedure, StateEntry } from "../../src/domain/types.ts";
import { loadWideWidths } from "../../src/render/table.ts";

// The console loads them before its first frame (app.ts).
await loadWideWidths();

/** 2026-12-07 12:00:00 UTC, in seconds (the servers' unit for history times). */
export const T0 = Date.UTC(2026, 11, 7, 12, 0, 0) / 1000;

/** "Now" for the frames: two minutes after T0, in ms. */
export const NOW = (T0 + 120) * 1000;

const STACK = `Traceback (most recent call last):
  File "/usr/lib/python3.10/site-packages/ska_oso_oet/procedure/application/main.py", line 118, in run
    self.script.main(*args, **kwargs)
  File "/scripts/fail.py", line 12, in main
    raise ValueError("scan 3 failed: dish SKA001 did not track")
ValueError: scan 3 failed: dish SKA001 did not track`;

/** A procedure with a history ending in `state`, created `at` seconds after T0. */
export function procedure(id: number, state: string, at: number, uri?: string): Procedure {
  const history: StateEntry<ProcedureState>[] = [
    { state: "CREATING", time: T0 + at },
    { state: "IDLE", time: T0 + at + 0.2 },
    { state: "LOADING", time: T0 + at + 0.3 },
    { state: "IDLE", time: T0 + at + 0.9 },
    { state: "INITIALISING", time: T0 + at + 1 },
    { state: "READY", time: T0 + at + 1.5 },
  ];
  if (state !== "READY") history.push({ state: "RUNNING", time: T0 + at + 4 });
  if (!["READY", "RUNNING"].includes(state)) {
    history.push({ state: procedureState(state), time: T0 + at + 9.25 });
  }
  return {
    id,
    script: uri?.startsWith("git://")
      ? {
        uri,
        type: "git",
        git: {
          repo: "https://gitlab.com/ska-telescope/oso/ska-oso-scripting",
          branch: "main",
          commit: "4f2a9c1e77d0b3a5",
        },
      }
      : { uri: uri ?? "file:///scripts/hello_world.py", type: "filesystem" },
    scriptArgs: {
      init: { args: [], kwargs: { subarray_id: 1 } },
      ...(state === "READY" ? {} : { main: { args: [], kwargs: { scan_duration: 10.0 } } }),
    },
    history,
    stacktrace: state === "FAILED" ? STACK : null,
    state: procedureState(state),
    uri: `http://127.0.0.1:5000/api/v1.0/procedures/${id}`,
    raw: {},
  };
}

/** An activity run as procedure `pid`. */
export function activity(id: number, name: string, pid: number, at: number): Activity {
  return {
    id,
    name,
    sbdId: "sbd-t0001-20250403-00001",
    sbiId: null,
    procedureId: pid,
    prepareOnly: false,
    scriptArgs: {},
    history: [{ state: "TODO", time: T0 + at }],
    state: "TODO",
    uri: `http://127.0.0.1:5000/api/v1.0/activities/${id}`,
    raw: {},
  };
}

/** A console with four procedures (one running, one failed), two activities and some messages. */
export function busyState(readOnly = false): ConsoleState {
  const s = new ConsoleState(
    { label: "127.0.0.1:5000", root: "http://127.0.0.1:5000/api/v1.0" },
    readOnly,
  );
  s.generation = "5";
  s.connection = { kind: "live" };
  s.setLists(
    [
      procedure(1, "COMPLETE", 0),
      procedure(2, "FAILED", 20, "file:///scripts/fail.py"),
      procedure(3, "RUNNING", 60, "git://scripts/observe.py"),
      procedure(4, "READY", 90),
    ],
    [activity(1, "allocate", 2, 19), activity(2, "observe", 3, 59)],
  );
  const at = (s: number) => (T0 + s) * 1000;
  const lines: MessageLine[] = [
    { at: at(24), pid: 2, kind: "state", text: "State: RUNNING" },
    { at: at(25), pid: 2, kind: "message", text: "Script message: scan 1 done" },
    {
      at: at(29),
      pid: 2,
      kind: "state",
      text: "Failed: ValueError: scan 3 failed: dish SKA001 did not track",
    },
    { at: at(29), pid: 2, kind: "state", text: "State: FAILED" },
    { at: at(64), pid: 3, kind: "state", text: "State: RUNNING" },
    {
      at: at(70),
      kind: "gap",
      text:
        "stream down 12:01:05–12:01:10: events may be missing (the server closed the event stream)",
    },
    {
      at: at(80),
      pid: 3,
      kind: "message",
      text: "Script message: pretending to execute scan 5/10",
    },
    { at: at(90), pid: 4, kind: "state", text: "State: READY" },
    {
      at: at(95),
      pid: 3,
      kind: "message",
      text: "Script message: pretending to execute scan 6/10",
    },
  ];
  s.addLines(lines);
  return s;
}

/** Removes escape sequences (bold, colour), for frames compared as text. */
export function plain(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** The frame Ink draws for a state, as plain text, with every line padded to the width. */
export function frame(
  state: ConsoleState,
  columns: number,
  rows: number,
  o: { now?: number; colour?: boolean } = {},
): string {
  const text = plain(
    renderToString(screen(state, { columns, rows }, o.now ?? NOW, o.colour ?? false), { columns }),
  );
  return text.split("\n").map((l) => l.trimEnd()).join("\n") + "\n";
}
