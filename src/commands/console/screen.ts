/**
 * The console's screen as Ink elements: a pure function of the state, the
 * terminal size and the time, so the render tests draw every pane and
 * state with Ink's `renderToString` and compare frames with goldens.
 *
 * The tables are the list commands' own: the same cells (`procedureCells`,
 * `activityCells`) in the same tabulate layout, cut to the rows that fit.
 * Colour only marks things the text also says (a `›` marks the selection,
 * the state cell says RUNNING), so `NO_COLOR` loses nothing.
 */

import { Box, Text } from "ink";
// @ts-types="@types/react"
import React from "react";
import { deriveActivityState } from "../../domain/activity_state.ts";
import { isFinal } from "../../domain/states.ts";
import { escapeBlock, escapeInline } from "../../domain/escape.ts";
import type { Procedure } from "../../domain/types.ts";
import { ACTIVITY_HEADERS, activityCells } from "../../render/activities.ts";
import { stateColour } from "../../render/colour.ts";
import { PROCEDURE_HEADERS, procedureCells, stackTail } from "../../render/procedures.ts";
import { pyRepr } from "../../render/pyrepr.ts";
import { type Cell, tabulate } from "../../render/table.ts";
import { formatTime } from "../../render/time.ts";
import { type ConsoleState, type Dialog, type MessageLine, STOP_CHOICES } from "./model.ts";

const h = React.createElement;

/** The smallest terminal the console draws in. */
export const MIN_SIZE = { columns: 80, rows: 24 } as const;

/** From this width the detail and the messages stand side by side. */
const SIDE_BY_SIDE = 120;

/** The terminal size in cells. */
export interface Size {
  columns: number;
  rows: number;
}

type Colour = "green" | "red" | "yellow" | "cyan" | "gray" | "magenta" | "blue";

/** A line of text, cut (never wrapped) at the pane's edge. */
function line(text: string, o: { colour?: Colour; bold?: boolean; inverse?: boolean } = {}) {
  return h(Text, {
    wrap: "truncate-end",
    color: o.colour,
    bold: o.bold,
    inverse: o.inverse,
  }, text === "" ? " " : text);
}

/** `HH:MM:SS` UTC. */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** A duration for the timeline: `4.2s`, `3m05s`, `2h01m`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function connectionText(state: ConsoleState): { text: string; colour: Colour } {
  const c = state.connection;
  switch (c.kind) {
    case "connecting":
      return { text: "connecting", colour: "yellow" };
    case "live":
      return { text: "live", colour: "green" };
    case "reconnecting":
      return { text: "reconnecting", colour: "yellow" };
    case "gap":
      return { text: `gap since ${clock(c.since)}`, colour: "yellow" };
    case "unreachable":
      return { text: "unreachable, retrying", colour: "red" };
  }
}

function header(state: ConsoleState, size: Size, now: number, colour: boolean) {
  const conn = connectionText(state);
  const gen = state.generation ? `OET ${state.generation}` : "OET ?";
  const who = state.identity ? ` · ${state.identity}` : "";
  const ro = state.readOnly ? " · read-only" : "";
  const right = `${clock(now)} UTC`;
  const tail = ` · ${gen} · ${state.target.label}${who}${ro} · ${state.target.root}`;
  const room = size.columns - right.length - 1;
  return h(
    Box,
    { width: size.columns, justifyContent: "space-between" },
    h(
      Box,
      { width: room, overflow: "hidden" },
      h(
        Text,
        { wrap: "truncate-end" },
        "oet console · ",
        h(Text, { color: colour ? conn.colour : undefined, bold: true }, conn.text),
        tail,
      ),
    ),
    h(Text, null, right),
  );
}

/** A pane's title rule: `─ Procedures (3) ─────`, bold when it has the focus. */
function title(text: string, width: number, focused: boolean) {
  const label = `─ ${text} `;
  return line(label + "─".repeat(Math.max(0, width - label.length)), { bold: focused });
}

/** The window of `count` rows that keeps `selected` in view. */
function windowOf(selected: number, length: number, count: number): [number, number] {
  if (length <= count) return [0, length];
  const start = Math.max(0, Math.min(selected - Math.floor(count / 2), length - count));
  return [start, start + count];
}

/**
 * The list command's table for the rows in view, narrowed to `width` when
 * it is wider: the widest text column gives way first, its long cells cut
 * with `…` (at 80 columns the activity table's SB ID does), so the State
 * column always shows.
 */
export function fitTable(headers: readonly string[], rows: Cell[][], width: number): string[] {
  let h = [...headers];
  let r = rows.map((row) => [...row]);
  for (let round = 0; round < headers.length; round++) {
    const lines = tabulate(h, r).split("\n");
    const over = Math.max(...lines.map((l) => l.length)) - width;
    if (over <= 0) return lines;
    // The widest column of text (not a number, not the last: the state).
    let widest = -1;
    let widestLen = 0;
    for (let c = 0; c < h.length - 1; c++) {
      const len = Math.max(
        h[c].length,
        ...r.map((row) => typeof row[c] === "string" ? (row[c] as string).length : 0),
      );
      if (r.some((row) => typeof row[c] === "string") && len > widestLen) {
        widest = c;
        widestLen = len;
      }
    }
    if (widest < 0) return lines;
    const keep = Math.max(4, widestLen - over);
    const cut = (v: Cell) =>
      typeof v === "string" && v.length > keep ? `${v.slice(0, keep - 1)}…` : v;
    h = h.map((x, c) => c === widest ? cut(x) as string : x);
    r = r.map((row) => row.map((v, c) => c === widest ? cut(v) : v));
  }
  return tabulate(h, r).split("\n");
}

/** A table pane: the list command's table, the rows that fit, the selection marked. */
function tablePane(o: {
  name: string;
  headers: readonly string[];
  rows: Cell[][];
  states: string[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  colour: boolean;
  empty: string;
}) {
  const body = Math.max(1, o.height - 3);
  const [from, to] = windowOf(o.selected, o.rows.length, body);
  const lines = fitTable(o.headers, o.rows.slice(from, to), o.width - 2);
  const children = [
    title(
      `${o.name} (${o.rows.length})${to - from < o.rows.length ? ` ${from + 1}–${to}` : ""}`,
      o.width,
      o.focused,
    ),
    line(`  ${lines[0]}`),
  ];
  if (o.rows.length === 0) {
    children.push(line(`  ${o.empty}`, { colour: o.colour ? "gray" : undefined }));
  } else children.push(line(`  ${lines[1]}`));
  for (let i = from; i < to; i++) {
    const selected = i === o.selected;
    const state = o.states[i];
    const running = state === "RUNNING";
    const c = o.colour ? stateColour(state) as Colour | undefined : undefined;
    children.push(line(`${selected ? (o.focused ? "›" : "·") : " "} ${lines[2 + i - from]}`, {
      colour: running || selected ? c : undefined,
      bold: running,
      inverse: o.colour && selected && o.focused,
    }));
  }
  return h(Box, { flexDirection: "column", height: o.height, width: o.width }, ...children);
}

/**
 * The detail of a procedure: what failed (the stack trace's tail) first,
 * the init/main arguments, the git origin, then the state timeline with
 * durations. With `height`, the timeline keeps its newest entries and says
 * how many earlier ones it leaves out, so the rest always shows.
 */
export function detailLines(p: Procedure | undefined, now: number, height = Infinity): string[] {
  if (!p) return ["Nothing selected."];
  const head = [
    `Procedure ${p.id}: ${escapeInline(p.script.uri)} (${escapeInline(String(p.state))})`,
  ];
  if (p.stacktrace) {
    head.push("Stack trace (last lines):");
    for (const l of stackTail(p.stacktrace, 4).split("\n")) head.push(`  ${l}`);
  }
  const calls = Object.entries(p.scriptArgs);
  for (const [fn, call] of calls) {
    head.push(
      `${escapeInline(fn)}: args ${escapeInline(pyRepr(call.args))}, kwargs ${
        escapeInline(pyRepr(call.kwargs))
      }`,
    );
  }
  const git = p.script.git;
  if (git && (git.repo || git.branch || git.commit)) {
    head.push(
      `Git: ${escapeInline(git.repo ?? "?")}${git.branch ? ` @ ${escapeInline(git.branch)}` : ""}${
        git.commit ? ` (${escapeInline(git.commit.slice(0, 12))})` : ""
      }`,
    );
  }
  const timeline = p.history.map((e, i) => {
    const next = p.history[i + 1]?.time;
    const last = i === p.history.length - 1;
    const end = next !== undefined ? next * 1000 : now;
    // The state it is in counts up to now, unless it is a final one.
    const span = last && isFinal(e.state)
      ? ""
      : `  ${shortDuration(end - e.time * 1000)}${last ? "…" : ""}`;
    return `  ${formatTime(e.time)}  ${escapeInline(String(e.state)).padEnd(13)}${span}`.trimEnd();
  });
  const room = Math.max(1, height - head.length - 1);
  const shown = timeline.length > room ? timeline.slice(-room) : timeline;
  const label = shown.length < timeline.length
    ? `Timeline (the last ${shown.length} of ${timeline.length}):`
    : "Timeline:";
  return [...head, label, ...shown];
}

function detailPane(state: ConsoleState, width: number, height: number, now: number) {
  const p = state.focusProcedure();
  const lines = detailLines(p, now, height - 1).slice(0, Math.max(0, height - 1));
  return h(
    Box,
    { flexDirection: "column", width, height },
    title("Detail", width, false),
    ...lines.map((l) => line(l)),
  );
}

function messageText(l: MessageLine): string {
  if (l.kind === "gap") return `${clock(l.at)} ── ${l.text} ──`;
  return `${clock(l.at)} ${l.pid !== undefined ? `#${l.pid} ` : ""}${escapeInline(l.text)}`;
}

function messagesPane(state: ConsoleState, width: number, height: number, colour: boolean) {
  const body = Math.max(0, height - 1);
  const { lines: shown, newer } = state.visibleWindow(body, state.follow ? 0 : state.scroll);
  const pid = state.filterSelected ? state.focusProcedure()?.id : undefined;
  const flags = [
    state.filterSelected ? (pid === undefined ? "procedure: none" : `procedure ${pid}`) : "all",
    state.search ? `/${state.search}` : "",
    state.follow ? "follow" : `paused, ${newer} newer`,
  ].filter(Boolean).join(" · ");
  return h(
    Box,
    { flexDirection: "column", width, height },
    title(`Messages (${flags})`, width, state.pane === "messages"),
    ...shown.map((l) =>
      line(messageText(l), {
        colour: !colour
          ? undefined
          : l.kind === "gap"
          ? "yellow"
          : l.kind === "state"
          ? (stateColour(l.text.replace(/^State: /, "")) as Colour | undefined) ?? "cyan"
          : undefined,
      })
    ),
  );
}

const HELP = [
  "↑/↓ or j/k   move the selection (scroll the messages)",
  "PgUp/PgDn    move by ten",
  "Tab          next pane (Shift-Tab: previous)",
  "Enter        detail of the selection (Esc: back)",
  "l            messages: the selected procedure only / all",
  "/            search the messages (Enter; Esc clears)",
  "f            follow the newest message on/off",
  "c            create a procedure (script URI, then arguments)",
  "s            start the selected procedure (arguments)",
  "r            run an activity (activity name, then SBD id)",
  "x            stop the selected procedure",
  "?            this help; q or Ctrl-C quits",
  "",
  "Arguments use the CLI's syntax, split as a shell would:",
  "  3 'two words' --subarray_id=3 --kwarg name=value",
];

function dialogLines(d: Dialog, state: ConsoleState): { title: string; lines: string[] } {
  switch (d.kind) {
    case "help":
      return {
        title: "Keys",
        lines: state.readOnly ? [...HELP, "", "Read-only: c, s, r and x are off."] : HELP,
      };
    case "search":
      return {
        title: "Search messages",
        lines: [`/${d.text}▏`, "", "Enter: search · Esc: cancel"],
      };
    case "create":
      return d.step === "uri"
        ? {
          title: "Create a procedure",
          lines: [
            `Script URI: ${d.text}▏`,
            "",
            "e.g. file:///scripts/hello_world.py",
            "Enter: next · Esc: cancel",
          ],
        }
        : {
          title: "Create a procedure",
          lines: [
            `Script URI: ${d.uri}`,
            `Init arguments: ${d.text}▏`,
            "",
            "as on the command line: 3 --subarray_id=3",
            "Enter: create · Esc: cancel",
          ],
        };
    case "start":
      return {
        title: `Start procedure ${d.pid}`,
        lines: [
          `Main arguments: ${d.text}▏`,
          "",
          "as on the command line: --scan_duration=10.0",
          "Enter: start · Esc: cancel",
        ],
      };
    case "run":
      return {
        title: "Run an activity",
        lines: d.step === "name"
          ? [`Activity name: ${d.text}▏`, "", "e.g. observe", "Enter: next · Esc: cancel"]
          : [
            `Activity name: ${d.name}`,
            `SBD id: ${d.text}▏`,
            "",
            "Enter: run · Esc: cancel",
          ],
      };
    case "stop":
      return {
        title: `Stop procedure ${d.pid}`,
        lines: STOP_CHOICES.map((c) =>
          `${c === d.choice ? "›" : " "} ${
            c === "abort"
              ? "stop and run the abort script (the default)"
              : c === "stop"
              ? "stop only (no abort script)"
              : "cancel"
          }`
        ).concat(["", "↑/↓ choose · Enter: do it · Esc: cancel"]),
      };
    case "confirm":
      return {
        title: `Protected context ${d.context}`,
        lines: [
          `This changes what the telescope does (${d.action.kind}).`,
          `Type the context's name to confirm: ${d.text}▏`,
          "",
          "Enter: confirm · Esc: cancel",
        ],
      };
  }
}

function dialogBox(d: Dialog, state: ConsoleState, size: Size) {
  const { title: t, lines } = dialogLines(d, state);
  const width = Math.min(size.columns - 4, Math.max(50, ...lines.map((l) => l.length + 4)));
  return h(
    Box,
    {
      position: "absolute",
      marginLeft: Math.floor((size.columns - width) / 2),
      marginTop: Math.max(1, Math.floor((size.rows - lines.length - 2) / 2)),
      width,
      flexDirection: "column",
      borderStyle: "single",
    },
    line(` ${t}`.padEnd(width - 2), { bold: true }),
    ...lines.map((l) => line(` ${l}`.padEnd(width - 2))),
  );
}

/** The status line's error and hint, as the commands print them. */
function statusParts(
  state: ConsoleState,
): { text: string; hint?: string; error: boolean } | undefined {
  const s = state.status;
  const c = state.connection;
  if (!s && c.kind === "unreachable") {
    return { text: `error: ${c.message}`, hint: c.hint, error: true };
  }
  if (!s) return undefined;
  return {
    text: s.kind === "error" ? `error: ${s.text}` : s.text,
    hint: s.hint,
    error: s.kind === "error",
  };
}

/**
 * The last two lines: the status (an error with its hint, or what was
 * done) and the keys. An error whose hint does not fit beside it puts the
 * hint where the keys were, until Esc.
 */
function bottomLines(state: ConsoleState, size: Size, colour: boolean) {
  const actions = state.readOnly ? "" : " · c create · s start · r run · x stop";
  const long =
    `↑↓ move · Tab pane · Enter detail · l filter · / search · f follow${actions} · ? help · q quit`;
  const short = `↑↓jk Tab Enter l / f${state.readOnly ? "" : " c s r x"} · ? help · q quit`;
  const keys = long.length <= size.columns ? long : short;
  const st = statusParts(state);
  const red = colour && st?.error ? "red" : colour && st ? "green" : undefined;
  if (!st) return [line(""), line(keys)];
  const text = escapeBlock(st.text).replaceAll("\n", " ");
  const hint = st.hint ? `hint: ${escapeBlock(st.hint).replaceAll("\n", " ")}` : undefined;
  if (!hint) return [line(text, { colour: red }), line(keys)];
  const together = `${text} · ${hint}`;
  if (together.length <= size.columns) return [line(together, { colour: red }), line(keys)];
  return [line(text, { colour: red }), line(hint, { colour: colour ? "yellow" : undefined })];
}

/** The whole screen for a size; below MIN_SIZE, a notice instead. */
export function screen(
  state: ConsoleState,
  size: Size,
  now: number,
  colour: boolean,
): React.ReactElement {
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows) {
    return h(
      Box,
      { flexDirection: "column", width: size.columns, height: size.rows },
      line("terminal too small"),
      line(`${size.columns}×${size.rows}; oet console needs ${MIN_SIZE.columns}×${MIN_SIZE.rows}`),
      line("enlarge the window, or press q to quit"),
    );
  }
  const avail = size.rows - 8;
  const procRows = Math.max(3, Math.floor(avail * 0.25)) + 3;
  const actRows = Math.max(2, Math.floor(avail * 0.2)) + 3;
  const bottom = size.rows - 3 - procRows - actRows;
  const procs = state.procedures;
  const byId = new Map(procs.map((p) => [p.id, p]));
  const wide = size.columns >= SIDE_BY_SIDE;
  const detailWidth = wide ? Math.floor(size.columns * 0.45) : size.columns;
  const now2 = now;
  const lower = wide
    ? h(
      Box,
      { flexDirection: "row", height: bottom },
      detailPane(state, detailWidth, bottom, now2),
      h(Box, { width: 1 }),
      messagesPane(state, size.columns - detailWidth - 1, bottom, colour),
    )
    : state.detail
    ? detailPane(state, size.columns, bottom, now2)
    : messagesPane(state, size.columns, bottom, colour);
  return h(
    Box,
    { flexDirection: "column", width: size.columns, height: size.rows },
    header(state, size, now, colour),
    tablePane({
      name: "Procedures",
      headers: PROCEDURE_HEADERS,
      rows: procs.map((p) => procedureCells(p)),
      states: procs.map((p) => String(p.state)),
      selected: state.selected.procedures,
      focused: state.pane === "procedures",
      height: procRows,
      width: size.columns,
      colour,
      empty: state.readOnly ? "no procedures" : "no procedures (c creates one)",
    }),
    tablePane({
      name: "Activities",
      headers: ACTIVITY_HEADERS,
      rows: state.activities.map((a) =>
        activityCells(
          a,
          deriveActivityState(a, a.procedureId === null ? undefined : byId.get(a.procedureId)),
        )
      ),
      states: state.activities.map((a) =>
        String(deriveActivityState(a, a.procedureId === null ? undefined : byId.get(a.procedureId)))
      ),
      selected: state.selected.activities,
      focused: state.pane === "activities",
      height: actRows,
      width: size.columns,
      colour,
      empty: state.readOnly ? "no activities" : "no activities (r runs one)",
    }),
    lower,
    ...bottomLines(state, size, colour),
    state.dialog ? dialogBox(state.dialog, state, size) : null,
  );
}
