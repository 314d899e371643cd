/**
 * Options that several commands share, declared once: `--pid`, `--aid`,
 * `-o/--output`, the wait durations, `--kwarg`. Their defaults live here
 * and the help text interpolates them, so help and behaviour cannot drift.
 */

import { formatDuration, parseDuration } from "../../domain/duration.ts";
import type { OutputFormat, StreamFormat } from "../../render/output.ts";
import {
  defaultedOption,
  isKeywordName,
  type ListOption,
  listOption,
  type ValueOption,
  valueOption,
} from "./spec.ts";
import { isDigits } from "../../domain/text.ts";

/**
 * How long `start` and `activity run` wait for a procedure still being
 * prepared: the servers' CREATING race would otherwise hang them for ever.
 */
export const DEFAULT_PREPARE_TIMEOUT_MS = 120_000;

/** A duration as typed and in milliseconds. */
export interface Duration {
  readonly ms: number;
  /** How messages show it (always with a unit). */
  readonly text: string;
}

/** Parses a procedure or activity id: a whole number from 1 up. */
export function parseId(text: string): number {
  if (isDigits(text) && !Number.isSafeInteger(Number(text))) {
    throw new Error("too large for an id (the server's ids count up from 1)");
  }
  if (!isDigits(text) || Number(text) < 1) {
    throw new Error("expected a positive whole number, such as 3");
  }
  return Number(text);
}

/** Parses a positive duration: `90` (seconds), `90s`, `10m`, `1h30m`, `500ms`. */
export function parseDurationValue(text: string): Duration {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error("expected a duration such as 90s, 10m or 1h30m");
  return { ms, text: formatDuration(ms) };
}

/** `--pid <id>`: which procedure; None means the command's default. */
export function pidOption(help: string): ValueOption<number> {
  return valueOption("pid", help, parseId, { valueName: "id", nullable: true, complete: "pid" });
}

/** `--aid <id>`: which activity; None means the command's default. */
export function aidOption(help: string): ValueOption<number> {
  return valueOption("aid", help, parseId, { valueName: "id", nullable: true, complete: "aid" });
}

function choice<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    if ((choices as readonly string[]).includes(text)) return text as T;
    throw new Error(`expected one of ${choices.join(", ")}`);
  };
}

const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "json", "jsonl", "id"];

/** `-o, --output table|json|jsonl|id` of data commands. */
export function outputOption(): ValueOption<OutputFormat, OutputFormat> {
  return defaultedOption(
    "output",
    "output format: table, json (one document), jsonl (one object a line) or id (default table)",
    choice(OUTPUT_FORMATS),
    "table",
    { short: "o", valueName: "format", choices: OUTPUT_FORMATS },
  );
}

const STREAM_FORMATS: readonly StreamFormat[] = ["text", "jsonl"];

/** `-o, --output text|jsonl` of `oet listen`. */
export function streamOutputOption(): ValueOption<StreamFormat, StreamFormat> {
  return defaultedOption(
    "output",
    "output format: text or jsonl (one event a line) (default text)",
    choice(STREAM_FORMATS),
    "text",
    { short: "o", valueName: "format", choices: STREAM_FORMATS },
  );
}

/** `--timeout <duration>` of the commands that wait. */
export function timeoutOption(): ValueOption<Duration> {
  return valueOption(
    "timeout",
    "give up waiting after this long (exit 124; the work goes on), e.g. 90s, 10m, 2h (default: no limit)",
    parseDurationValue,
    { valueName: "duration" },
  );
}

/** `--prepare-timeout <duration>` of the commands that start a procedure. */
export function prepareTimeoutOption(): ValueOption<Duration, Duration> {
  return defaultedOption(
    "prepare-timeout",
    `longest wait for the script to be prepared and start running (exit 1; default ${
      formatDuration(DEFAULT_PREPARE_TIMEOUT_MS)
    })`,
    parseDurationValue,
    { ms: DEFAULT_PREPARE_TIMEOUT_MS, text: formatDuration(DEFAULT_PREPARE_TIMEOUT_MS) },
    { valueName: "duration" },
  );
}

/**
 * `--kwarg NAME=VALUE`: a script keyword argument that is sent whatever its
 * name — also one named like an oet option (`--kwarg timeout=30`).
 */
export function kwargOption(fn: "init" | "main"): ListOption<{ name: string; value: string }> {
  return listOption(
    "kwarg",
    `a keyword argument for ${fn}(), sent even when its name is one of oet's options (repeatable)`,
    (text) => {
      const eq = text.indexOf("=");
      const name = eq > 0 ? text.slice(0, eq) : "";
      if (!isKeywordName(name)) {
        throw new Error("expected NAME=VALUE, with a name such as subarray_id");
      }
      return { name, value: text.slice(eq + 1) };
    },
    { valueName: "name=value" },
  );
}
