/**
 * Human views of procedures: the summary table of `list`, `create` and
 * `start`, and the sections of `describe`, with the reference doc's columns
 * in tabulate's "simple" layout. Server text is escaped for the terminal.
 */

import type { Procedure, ScriptArgs, StateEntry } from "../domain/types.ts";
import { type State, stateName } from "../domain/states.ts";
import { paintState } from "./colour.ts";
import { escapeBlock, escapeInline } from "../domain/escape.ts";
import { pyRepr } from "./pyrepr.ts";
import { type Cell, table } from "./table.ts";
import { formatTime, formatTimeMicros } from "./time.ts";

/** The headers of the procedure summary table (the reference doc's). */
export const PROCEDURE_HEADERS = ["ID", "Script", "Creation time", "State"] as const;

/** The time of a procedure's first state: when it was created. */
export function creationTime(history: readonly StateEntry[]): number | undefined {
  return history[0]?.time;
}

/** A procedure's cells in the `ID / Script / Creation time / State` table (and its watch). */
export function procedureCells(p: Procedure, colour = false): Cell[] {
  return [
    p.id,
    escapeInline(p.script.uri),
    formatTime(creationTime(p.history)),
    paintState(escapeInline(stateName(p.state)), colour),
  ];
}

/** The `ID / Script / Creation time / State` table. */
export function procedureTable(procedures: readonly Procedure[], colour = false): Promise<string> {
  return table(PROCEDURE_HEADERS, procedures.map((p) => procedureCells(p, colour)));
}

/**
 * History rows sorted by their time text, as the reference client printed
 * them; a procedure's RUNNING entries are numbered (`RUNNING 1`, …).
 */
export function historyRows(
  history: readonly StateEntry<State>[],
  colour = false,
  numberRuns = true,
): string[][] {
  let run = 0;
  const rows = history.map((e) => {
    const label = numberRuns && e.state === "RUNNING" ? `RUNNING ${++run}` : stateName(e.state);
    return [formatTimeMicros(e.time), paintState(escapeInline(label), colour)];
  });
  // The reference client sorted by the formatted time; the sort is stable.
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The Index/Method/Arguments/Keyword Arguments rows of a call record. */
export function callRows(scriptArgs: ScriptArgs, withIndex: boolean): (string | number)[][] {
  return Object.entries(scriptArgs).map(([fn, call], i) => {
    const row = [
      escapeInline(fn),
      escapeInline(pyRepr(call.args)),
      escapeInline(pyRepr(call.kwargs)),
    ];
    return withIndex ? [i + 1, ...row] : row;
  });
}

/** The last lines of a Python stack trace (the exception at the end). */
export function stackTail(stacktrace: string, lines = 3): string {
  const all = stacktrace.replace(/\s+$/, "").split("\n");
  return escapeBlock(all.slice(-lines).join("\n"));
}

/**
 * The sections of `oet procedure describe`: ID/Script/URI, the state
 * history, the calls, the git origin for git scripts, the stack trace.
 * `uri` is where the client reaches the procedure (7.x reports localhost).
 */
export async function procedureDescribe(
  p: Procedure,
  uri: string,
  colour = false,
): Promise<string> {
  const sections: string[] = [];
  sections.push(
    await table(["ID", "Script", "URI"], [[p.id, escapeInline(p.script.uri), escapeInline(uri)]]),
  );
  sections.push(await table(["Time", "State"], historyRows(p.history, colour)));
  sections.push(
    await table(
      ["Index", "Method", "Arguments", "Keyword Arguments"],
      callRows(p.scriptArgs, true),
    ),
  );
  if (p.script.type === "git" || p.script.git) {
    const git = p.script.git;
    sections.push(
      await table(["Repository", "Branch", "Commit"], [[
        escapeInline(git?.repo ?? ""),
        escapeInline(git?.branch ?? ""),
        escapeInline(git?.commit ?? ""),
      ]]),
    );
  }
  if (p.stacktrace) {
    sections.push(`Stack Trace:\n------------\n${escapeBlock(p.stacktrace.replace(/\s+$/, ""))}`);
  }
  return `${sections.join("\n\n")}\n`;
}
