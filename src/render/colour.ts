/**
 * Colour, only where it helps and only on a terminal: the caller decides
 * whether a stream may have colour (`OutStream.colour`), and every function
 * here returns plain text when it may not.
 */

import type { NewerState, State } from "../domain/states.ts";

const RESET = "\x1b[0m";
const CODES = {
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
} as const;

/** A colour name. */
export type Colour = keyof typeof CODES;

/** Wraps text in a colour when enabled. */
export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled && text ? `${CODES[colour]}${text}${RESET}` : text;
}

/** The colours of states (keys checked against the servers' and oet's lists). */
const STATE_COLOURS: Partial<Record<Exclude<State, NewerState>, Colour>> = {
  COMPLETE: "green",
  FAILED: "red",
  UNKNOWN: "red",
  STOPPED: "yellow",
  RUNNING: "cyan",
};

/** The colour of a procedure or activity state (as shown), if it has one. */
export function stateColour(text: string): Colour | undefined {
  return Object.hasOwn(STATE_COLOURS, text)
    ? STATE_COLOURS[text as keyof typeof STATE_COLOURS]
    : undefined;
}

/** A state name, coloured by meaning when enabled. */
export function paintState(state: string, enabled: boolean): string {
  const colour = stateColour(state);
  return colour ? paint(state, colour, enabled) : state;
}

/**
 * Whether a stream gets colour. `NO_COLOR` (any non-empty value) always
 * wins; `FORCE_COLOR` (unless `0`/`false`) or `CLICOLOR_FORCE` (unless `0`)
 * turns it on where there is no terminal (a CI log that renders colour);
 * otherwise only a terminal whose `TERM` is not `dumb` gets it.
 */
export function colourAllowed(
  isTerminal: boolean,
  env: { NO_COLOR?: string; TERM?: string; FORCE_COLOR?: string; CLICOLOR_FORCE?: string },
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "0" || force.toLowerCase() === "false") return false;
    return true;
  }
  if (env.CLICOLOR_FORCE !== undefined && env.CLICOLOR_FORCE !== "" && env.CLICOLOR_FORCE !== "0") {
    return true;
  }
  if (!isTerminal) return false;
  return env.TERM !== "dumb";
}
