/**
 * Value parsers for command-line options. They throw commander's
 * InvalidArgumentError, which becomes a usage error (exit 2) naming the
 * option and the bad value.
 */

import { InvalidArgumentError } from "commander";
import { parseDuration } from "../config/duration.ts";

const TRUE = new Set(["true", "yes", "on", "1"]);
const FALSE = new Set(["false", "no", "off", "0"]);

/** True for the words a Python-style boolean option accepts. */
export function isBoolWord(word: string): boolean {
  const w = word.toLowerCase();
  return TRUE.has(w) || FALSE.has(w);
}

/** `True`/`False` (any case), yes/no, on/off, 1/0; a bare flag is true. */
export function parseBool(value: string | boolean): boolean {
  if (typeof value === "boolean") return value;
  const w = value.toLowerCase();
  if (TRUE.has(w)) return true;
  if (FALSE.has(w)) return false;
  throw new InvalidArgumentError("expected True or False");
}

/** A procedure or activity id: a whole number from 1 up. */
export function parseId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a positive whole number, such as 3");
  }
  return Number(value);
}

/** A duration as typed and in milliseconds. */
export interface DurationValue {
  ms: number;
  text: string;
}

/** A duration: `90` (seconds), `90s`, `10m`, `1h30m`, `500ms`. */
export function parseDurationOption(value: string): DurationValue {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError("expected a duration such as 90s, 10m or 1h30m");
  }
  return { ms, text: value };
}
