/**
 * Lines for people on stderr: progress notes, warnings and hints. Data never
 * goes here, and nothing here goes to stdout. Server text is escaped, and
 * credentials in URLs are removed, as in error messages.
 */

import { redactText } from "../../domain/redact.ts";
import { paint } from "../../render/colour.ts";
import { escapeInline } from "../../domain/escape.ts";
import type { IO } from "../../render/io.ts";

/** A progress or status note. */
export function note(io: IO, message: string): void {
  io.err.write(`${escapeInline(redactText(message))}\n`);
}

/** A warning: something was done, but maybe not what the user meant. */
export function warn(io: IO, message: string): void {
  io.err.write(
    `${paint("warning:", "yellow", io.err.colour)} ${escapeInline(redactText(message))}\n`,
  );
}

/** A follow-up suggestion (what to run next). */
export function hint(io: IO, message: string): void {
  io.err.write(`${paint("hint:", "dim", io.err.colour)} ${escapeInline(redactText(message))}\n`);
}
