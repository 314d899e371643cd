/**
 * What `oet console` shows, as plain data: the server's procedures and
 * activities, the bounded message scrollback, the selection, the open
 * dialog, the connection. Keys change it through `pressKey`, which returns
 * what to do (an action to send, quitting); the view (screen.ts) only reads
 * it. No Ink and no Node here, so every state is built and checked in the
 * unit tests without a terminal.
 */

import type { OetError } from "../../domain/errors.ts";
import { isPreparing, type ProcedureState, procedureState } from "../../domain/states.ts";
import type { Activity, Procedure } from "../../domain/types.ts";
import { startRefusal } from "../shared/procedure_actions.ts";
import type { TargetAware } from "../shared/target/hint.ts";

/** The panes Tab moves between. */
export type Pane = "procedures" | "activities" | "messages";

/** The panes in Tab order. */
export const PANES: readonly Pane[] = ["procedures", "activities", "messages"];

/** How many message lines are kept; older ones are dropped. */
export const SCROLLBACK = 10_000;

/** The event stream and the server as the header shows them. */
export type Connection =
  | { kind: "connecting" }
  | { kind: "live" }
  /**
   * The stream dropped a moment ago and is being reopened; events may be
   * missing since `since` (its last data); `at` is when the drop was seen.
   */
  | { kind: "reconnecting"; since: number; at?: number }
  /** The stream has been down since `since` (events then are lost); the server still answers. */
  | { kind: "gap"; since: number }
  /** Neither the stream nor the server answers, or the server refuses the token. */
  | { kind: "unreachable"; since: number; message: string; hint?: string };

/** One line of the messages pane. */
export interface MessageLine {
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The procedure it is about, if any. */
  pid?: number;
  /** `message` a script message, `state` a state change or failure, `gap` the stream was down. */
  kind: "message" | "state" | "gap";
  text: string;
}

/** A dialog that takes the keys while it is open. */
export type Dialog =
  | { kind: "help" }
  | { kind: "search"; text: string }
  | { kind: "create"; step: "uri" | "args"; uri: string; text: string }
  | { kind: "start"; pid: number; text: string }
  | { kind: "run"; step: "name" | "sbd"; name: string; text: string }
  | { kind: "stop"; pid: number; choice: StopChoice }
  | { kind: "confirm"; context: string; text: string; action: Action };

/** The stop dialog's choices, the CLI's default first. */
export type StopChoice = "abort" | "stop" | "cancel";

/** The stop dialog's choices in order. */
export const STOP_CHOICES: readonly StopChoice[] = ["abort", "stop", "cancel"];

/** Something the console is asked to send to the server. */
export type Action =
  | { kind: "create"; uri: string; args: string }
  | { kind: "start"; pid: number; args: string }
  | { kind: "run"; name: string; sbdId: string }
  | { kind: "stop"; pid: number; abort: boolean };

/** The status line: the last error (with its hint) or what was done. */
export interface Status {
  kind: "error" | "info";
  text: string;
  hint?: string;
}

/** What a key asks the console to do besides changing the state. */
export type Effect = { kind: "quit" } | { kind: "send"; action: Action } | undefined;

/** Where the console points and who it is, for the header. */
export interface Target {
  /** The context and telescope, or the server's host when there is no context. */
  label: string;
  /** The API root. */
  root: string;
  /** The name to type before an action, when the target is protected. */
  protectedName?: string;
  /** What the hints' `oet …` commands add to stay on this target (the command context). */
  hints?: TargetAware;
}

/** Everything on the screen. */
export class ConsoleState {
  target: Target;
  readOnly: boolean;
  generation = "";
  identity?: string;
  connection: Connection = { kind: "connecting" };
  procedures: Procedure[] = [];
  activities: Activity[] = [];
  /** Selected row per table (index into the sorted list). */
  selected: { procedures: number; activities: number } = { procedures: 0, activities: 0 };
  pane: Pane = "procedures";
  /** The detail pane replaces the messages on a narrow screen (Enter / Esc). */
  detail = false;
  /** Messages of the selected procedure only (`l`). */
  filterSelected = false;
  /** The messages pane's search text (`/`), empty for none. */
  search = "";
  /** Keep the newest message in view (`f`). */
  follow = true;
  /** Lines scrolled up from the bottom when not following. */
  scroll = 0;
  dialog?: Dialog;
  status?: Status;
  readonly #lines: MessageLine[] = [];
  /** Counts changes, so that a frame is drawn only when something changed. */
  version = 0;

  constructor(target: Target, readOnly: boolean) {
    this.target = target;
    this.readOnly = readOnly;
  }

  /** The message lines kept (at most SCROLLBACK), oldest first. */
  get lines(): readonly MessageLine[] {
    return this.#lines;
  }

  /** Adds message lines, dropping the oldest beyond the scrollback. */
  addLines(lines: readonly MessageLine[]): void {
    if (lines.length === 0) return;
    // Paused, the view stays where it is: the new lines are counted as newer.
    if (!this.follow) this.scroll += lines.filter(this.#shows()).length;
    for (const l of lines) this.#lines.push(l);
    const over = this.#lines.length - SCROLLBACK;
    if (over > 0) this.#lines.splice(0, over);
    this.scroll = Math.min(this.scroll, this.#lines.length);
    this.version++;
  }

  /** A procedure to select once a read shows it (the one just created). */
  #select: number | undefined;

  /** Selects procedure `pid` now, or as soon as a read of the list shows it. */
  selectProcedure(pid: number): void {
    const i = this.procedures.findIndex((p) => p.id === pid);
    if (i >= 0) {
      this.selected.procedures = i;
      this.pane = "procedures";
    } else this.#select = pid;
    this.version++;
  }

  /** The last state the stream reported per procedure, and when it arrived. */
  readonly #streamed = new Map<number, { state: ProcedureState; at: number }>();

  /**
   * Replaces the tables with a fresh read, keeping the selection on the same
   * id. `readSince` is when the read was sent: a state the stream reported
   * after that is newer than the read (a read answered from before it) and
   * stays shown.
   */
  setLists(procedures: Procedure[], activities: Activity[], readSince = -Infinity): void {
    for (const p of procedures) {
      const s = this.#streamed.get(p.id);
      if (s && s.at >= readSince && s.state !== p.state) {
        p.state = s.state;
        p.history = [...p.history, { state: s.state, time: s.at / 1000 }];
      }
    }
    const pid = this.#select ?? this.selectedProcedure()?.id;
    const aid = this.selectedActivity()?.id;
    if (this.#select !== undefined && procedures.some((p) => p.id === this.#select)) {
      this.#select = undefined;
      this.pane = "procedures";
    }
    this.procedures = [...procedures].sort((a, b) => b.id - a.id);
    this.activities = [...activities].sort((a, b) => b.id - a.id);
    const pi = this.procedures.findIndex((p) => p.id === pid);
    const ai = this.activities.findIndex((a) => a.id === aid);
    this.selected = {
      procedures: clamp(pi >= 0 ? pi : this.selected.procedures, this.procedures.length),
      activities: clamp(ai >= 0 ? ai : this.selected.activities, this.activities.length),
    };
    this.version++;
  }

  /**
   * A state change the stream reported, shown at once: the next read of
   * the list confirms it (a 5.x server may answer a GET with the old state
   * just after publishing the new one).
   */
  applyStateChange(pid: number, name: string, at: number): void {
    const newState = procedureState(name);
    this.#streamed.set(pid, { state: newState, at });
    const p = this.procedures.find((x) => x.id === pid);
    if (!p || p.state === newState) return;
    p.state = newState;
    p.history = [...p.history, { state: newState, time: at / 1000 }];
    this.version++;
  }

  /** The highlighted procedure. */
  selectedProcedure(): Procedure | undefined {
    return this.procedures[this.selected.procedures];
  }

  /** The highlighted activity. */
  selectedActivity(): Activity | undefined {
    return this.activities[this.selected.activities];
  }

  /**
   * The procedure the detail pane and the message filter are about: the
   * selected activity's procedure while the activities pane has the focus.
   */
  focusProcedure(): Procedure | undefined {
    if (this.pane === "activities") {
      const a = this.selectedActivity();
      return a?.procedureId == null
        ? undefined
        : this.procedures.find((p) => p.id === a.procedureId);
    }
    return this.selectedProcedure();
  }

  /** Whether a line passes the pane's filters: the selection (`l`) and the search (`/`). */
  #shows(): (l: MessageLine) => boolean {
    const pid = this.filterSelected ? this.focusProcedure()?.id : undefined;
    const needle = this.search.toLowerCase();
    if (pid === undefined && needle === "") return () => true;
    return (l) =>
      l.kind === "gap" ||
      ((pid === undefined || l.pid === pid) &&
        (needle === "" || l.text.toLowerCase().includes(needle)));
  }

  /** The message lines the pane shows: filtered to the selection and the search, if asked. */
  visibleLines(): MessageLine[] {
    return this.#lines.filter(this.#shows());
  }

  /**
   * The `count` visible lines that end `scroll` visible lines before the
   * newest, and how many newer ones there are: read from the end, so a
   * frame costs what it shows, not the whole scrollback (a fast run draws
   * many frames a second).
   */
  visibleWindow(count: number, scroll: number): { lines: MessageLine[]; newer: number } {
    const shows = this.#shows();
    const lines: MessageLine[] = [];
    let newer = 0;
    for (let i = this.#lines.length - 1; i >= 0 && lines.length < count; i--) {
      const l = this.#lines[i];
      if (!shows(l)) continue;
      if (newer < scroll) newer++;
      else lines.push(l);
    }
    return { lines: lines.reverse(), newer };
  }

  /**
   * Sets the connection state. The stream open again after an outage
   * clears the status line: what it said (a stop refused, a failed read)
   * was about the server before the outage, which may have restarted since.
   */
  setConnection(c: Connection): void {
    const before = this.connection.kind;
    if (c.kind === "live" && before !== "live" && before !== "connecting") this.status = undefined;
    this.connection = c;
    this.version++;
  }

  /** Shows an error (with the commands' text and hint) or a note in the status line. */
  setStatus(s: Status | undefined): void {
    this.status = s;
    this.version++;
  }

  /** Shows an OetError in the status line as the commands print it. */
  showError(err: unknown): void {
    const e = err as Partial<OetError>;
    this.setStatus({
      kind: "error",
      text: err instanceof Error ? err.message : String(err),
      hint: typeof e.hint === "string" ? e.hint : undefined,
    });
  }
}

function clamp(i: number, length: number): number {
  return Math.max(0, Math.min(i, length - 1));
}

/** A key press as Ink reports it, reduced to what the console reads. */
export interface Key {
  /** The text typed (a letter, a pasted word), empty for a special key. */
  input: string;
  up?: boolean;
  down?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  tab?: boolean;
  shiftTab?: boolean;
  enter?: boolean;
  escape?: boolean;
  backspace?: boolean;
  ctrlC?: boolean;
}

/** The action a dialog's answer asks for, through the protected-context confirmation when needed. */
function request(state: ConsoleState, action: Action): Effect {
  if (state.target.protectedName !== undefined) {
    state.dialog = { kind: "confirm", context: state.target.protectedName, text: "", action };
    return undefined;
  }
  state.dialog = undefined;
  return { kind: "send", action };
}

/** Applies a key typed into a text field; true when the key was for the field. */
function edit(d: { text: string }, key: Key): boolean {
  if (key.backspace) {
    d.text = d.text.slice(0, -1);
    return true;
  }
  if (key.input && !key.enter && !key.escape && !key.tab) {
    d.text += key.input;
    return true;
  }
  return false;
}

/** A key while a dialog is open. */
function dialogKey(state: ConsoleState, d: Dialog, key: Key): Effect {
  if (key.escape || (d.kind === "help" && (key.input === "?" || key.input === "q"))) {
    state.dialog = undefined;
    return undefined;
  }
  switch (d.kind) {
    case "help":
      return undefined;
    case "stop": {
      const i = STOP_CHOICES.indexOf(d.choice);
      if (key.up || key.input === "k") d.choice = STOP_CHOICES[Math.max(0, i - 1)];
      else if (key.down || key.input === "j" || key.tab) {
        d.choice = STOP_CHOICES[Math.min(STOP_CHOICES.length - 1, i + 1)];
      } else if (key.enter) {
        if (d.choice === "cancel") {
          state.dialog = undefined;
          return undefined;
        }
        return request(state, { kind: "stop", pid: d.pid, abort: d.choice === "abort" });
      }
      return undefined;
    }
    case "search":
      if (key.enter) {
        state.search = d.text;
        state.scroll = 0;
        state.dialog = undefined;
      } else edit(d, key);
      return undefined;
    case "create":
      if (!key.enter) {
        edit(d, key);
        return undefined;
      }
      if (d.step === "uri") {
        if (d.text.trim() === "") return undefined;
        state.dialog = { kind: "create", step: "args", uri: d.text.trim(), text: "" };
        return undefined;
      }
      return request(state, { kind: "create", uri: d.uri, args: d.text });
    case "start":
      if (!key.enter) {
        edit(d, key);
        return undefined;
      }
      return request(state, { kind: "start", pid: d.pid, args: d.text });
    case "run":
      if (!key.enter) {
        edit(d, key);
        return undefined;
      }
      if (d.text.trim() === "") return undefined;
      if (d.step === "name") {
        state.dialog = { kind: "run", step: "sbd", name: d.text.trim(), text: "" };
        return undefined;
      }
      return request(state, { kind: "run", name: d.name, sbdId: d.text.trim() });
    case "confirm":
      if (!key.enter) {
        edit(d, key);
        return undefined;
      }
      state.dialog = undefined;
      // As the commands' typed confirmation (shared/target/guard.ts): the name, blanks aside.
      if (d.text.trim() !== d.context) {
        state.setStatus({
          kind: "error",
          text: `not confirmed: ${
            JSON.stringify(d.text.trim())
          } is not ${d.context}; nothing was sent`,
        });
        return undefined;
      }
      return { kind: "send", action: d.action };
  }
}

/** Moves the selection (or the scrollback) of the focused pane by `by` rows. */
function move(state: ConsoleState, by: number): void {
  if (state.pane === "messages") {
    const max = Math.max(0, state.visibleLines().length - 1);
    state.scroll = Math.max(0, Math.min(max, state.scroll - by));
    state.follow = state.scroll === 0;
    return;
  }
  const list = state.pane === "procedures" ? state.procedures : state.activities;
  state.selected[state.pane] = clamp(state.selected[state.pane] + by, list.length);
}

/** The keys of the console (the footer and `?` list them); returns what else to do. */
export function pressKey(state: ConsoleState, key: Key): Effect {
  state.version++;
  if (key.ctrlC) return { kind: "quit" };
  if (state.dialog) return dialogKey(state, state.dialog, key);
  const actions = !state.readOnly;
  const refuse = (what: string) =>
    state.setStatus({
      kind: "error",
      text: `read-only console: ${what} is not available`,
      hint: "start oet console without --read-only to act",
    });
  if (key.up || key.input === "k") move(state, -1);
  else if (key.down || key.input === "j") move(state, 1);
  else if (key.pageUp) move(state, -10);
  else if (key.pageDown) move(state, 10);
  else if (key.tab || key.shiftTab) {
    const i = PANES.indexOf(state.pane);
    state.pane = PANES[(i + (key.shiftTab ? PANES.length - 1 : 1)) % PANES.length];
  } else if (key.enter) state.detail = !state.detail;
  else if (key.escape) {
    if (state.search) state.search = "";
    else state.detail = false;
    state.setStatus(undefined);
  } else {
    switch (key.input) {
      case "q":
        return { kind: "quit" };
      case "?":
        state.dialog = { kind: "help" };
        break;
      case "l":
        state.filterSelected = !state.filterSelected;
        state.scroll = 0;
        break;
      case "f":
        state.follow = !state.follow;
        if (state.follow) state.scroll = 0;
        break;
      case "/":
        state.dialog = { kind: "search", text: state.search };
        break;
      case "c":
        if (!actions) refuse("create");
        else state.dialog = { kind: "create", step: "uri", uri: "", text: "" };
        break;
      case "s": {
        if (!actions) return refuse("start"), undefined;
        const p = state.focusProcedure();
        // The CLI's rule, on the state the list shows (a procedure still being prepared
        // may become READY: the send reads it again and applies the rule once more).
        const refusal = p && !isPreparing(p.state)
          ? startRefusal(p, state.target.hints)
          : undefined;
        if (!p) state.setStatus({ kind: "error", text: "no procedure selected to start" });
        else if (refusal) state.showError(refusal);
        else state.dialog = { kind: "start", pid: p.id, text: "" };
        break;
      }
      case "r":
        if (!actions) refuse("run");
        else state.dialog = { kind: "run", step: "name", name: "", text: "" };
        break;
      case "x": {
        if (!actions) return refuse("stop"), undefined;
        const p = state.focusProcedure();
        if (!p) state.setStatus({ kind: "error", text: "no procedure selected to stop" });
        else state.dialog = { kind: "stop", pid: p.id, choice: "abort" };
        break;
      }
    }
  }
  return undefined;
}
