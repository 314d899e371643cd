/**
 * Terminal safety: text that comes from the server (script URIs, stack
 * traces, event data, error messages) is shown with its control and escape
 * characters made visible, so it cannot move the cursor, change colours or
 * retitle the terminal. `-o json` output is never escaped.
 */

// C0 controls, DEL, C1 controls, and the bidi overrides that can hide text.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex -- the same, keeping \n and \t
const CONTROL_KEEP_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Whether `text` holds a character CONTROL matches. A loop, not the regex:
 * compiling CONTROL costs about 0.1 ms on its first use, in every table,
 * and most text has nothing to escape.
 */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    ) return true;
  }
  return false;
}

/** Escapes every control character, newlines included (table cells, one-liners). */
export function escapeInline(text: string): string {
  return hasControl(text) ? text.replace(CONTROL, visible) : text;
}

/** Escapes control characters but keeps newlines and tabs (stack traces). */
export function escapeBlock(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(CONTROL_KEEP_LINES, visible);
}
