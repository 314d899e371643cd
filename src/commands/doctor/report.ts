/**
 * How `oet doctor` prints its findings: a line per check as it finishes
 * (text), or one object at the end (`-o json`), and the one-line error that
 * sets the exit code.
 *
 * The marks are ✓, ✗ and – whatever the terminal: oet already writes UTF-8
 * (…, —, server text), a fallback keyed on TERM or the locale would make a
 * CI log differ from the terminal it was debugged on, and scripts read
 * `-o json`. Only colour depends on the terminal.
 */

import type { Json } from "../../domain/types.ts";
import { AuthError, ConnectionError, OetError } from "../../domain/errors.ts";
import { escapeInline } from "../../domain/escape.ts";
import { redactText, redactUrl } from "../../domain/redact.ts";
import { paint } from "../../render/colour.ts";
import { jsonText } from "../../render/output.ts";
import { CHECK_NAMES, type CheckName, type CheckResult } from "./check.ts";
import type { Configuration } from "./configuration.ts";

/** How a check is named in the text report. */
const LABELS: Record<CheckName, string> = {
  configuration: "configuration",
  dns: "dns",
  tcp: "tcp",
  tls: "tls",
  api_root: "api root",
  event_stream: "event stream",
  authentication: "authentication",
  proxy: "proxy",
};

const WIDTH = Math.max(...CHECK_NAMES.map((n) => LABELS[n].length));

/** Server text and URLs made safe for a terminal, credentials removed. */
function safe(text: string): string {
  return escapeInline(redactText(text));
}

/** One check as text: its line, and for a failure what to do on the next. */
export function textLines(r: CheckResult, colour: boolean): string {
  const mark = r.ok === true
    ? paint("✓", "green", colour)
    : r.ok === false
    ? paint("✗", "red", colour)
    : paint("–", "dim", colour);
  const line = `${mark} ${LABELS[r.name].padEnd(WIDTH)} ${safe(r.detail)}\n`;
  if (r.ok !== false || !r.hint) return line;
  return `${line}${" ".repeat(WIDTH + 3)}→ ${safe(r.hint)}\n`;
}

/** Everything the report is made of. */
export interface DoctorOutcome {
  readonly results: readonly CheckResult[];
  /** Undefined when the configuration could not be resolved. */
  readonly config?: Configuration;
  readonly generation?: string;
}

/** The `-o json` document. */
export function jsonReport(o: DoctorOutcome, pretty: boolean): string {
  const value: Json = {
    server_url: o.config ? redactUrl(o.config.url) : null,
    server_url_source: o.config?.source ?? null,
    context: o.config?.target?.context ?? null,
    telescope: o.config?.target?.telescope ?? null,
    protected: o.config?.target?.protected ?? false,
    generation: o.generation ?? null,
    ok: o.results.every((r) => r.ok !== false),
    checks: o.results.map((r) => ({
      name: r.name,
      ok: r.ok,
      detail: redactText(r.detail),
      hint: r.ok === false && r.hint ? redactText(r.hint) : null,
    })),
  };
  return `${jsonText(value, pretty)}\n`;
}

/**
 * The error that ends a report with failures: one line (the report already
 * says what and why), of the class whose exit code the failures call for —
 * 4 when the server cannot be reached, else 5 for authentication, else 1.
 */
export function outcomeError(o: DoctorOutcome): OetError | undefined {
  const failed = o.results.filter((r) => r.ok === false);
  if (failed.length === 0) return undefined;
  const message = `${failed.length} of ${o.results.length} checks failed: ${
    failed.map((r) => LABELS[r.name]).join(", ")
  }`;
  if (failed.some((r) => r.kind === "unreachable")) {
    return new ConnectionError("other", o.config ? redactUrl(o.config.url) : "", message);
  }
  if (failed.some((r) => r.kind === "auth")) return new AuthError("rejected", message);
  return new OetError(message);
}
