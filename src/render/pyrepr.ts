/**
 * Python `repr()` of JSON values, as the reference client printed script
 * arguments in `describe`: `['goodbye']`, `{'subarray_id': 1}`, `True`,
 * `None`, `'it\'s'` quoted the way Python quotes.
 */

import type { Json } from "../domain/types.ts";

// Python's str.isprintable() is false for these (and for every other
// separator than the plain space). Built on first use, not at import:
// compiling the unassigned set (\p{Cn}) costs about 0.5 ms, and `procedure
// list` imports this module (through its shared chunk) but never calls it.
let nonPrintable: RegExp | undefined;
function isNonPrintable(ch: string): boolean {
  nonPrintable ??= /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
  return nonPrintable.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Python's repr of a str. */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && isNonPrintable(ch)) {
      out += code < 0x100
        ? `\\x${hex(code, 2)}`
        : code < 0x10000
        ? `\\u${hex(code, 4)}`
        : `\\U${hex(code, 8)}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's repr of a float parsed from JSON (shortest round-trip digits). */
function reprNumber(n: number): string {
  // JSON.parse cannot tell 1 from 1.0; below 1e16 an integral value is
  // shown as an int, above it as Python shows a float (1e+16).
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  const [digits, expText] = n.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${digits}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(n);
  // JS writes 1e-7 style only below 1e-6, where Python already uses exponents.
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** Python's repr of a JSON value (dicts keep their key order). */
export function pyRepr(value: Json | undefined): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return reprNumber(value);
  if (typeof value === "string") return reprString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`).join(", ")}}`;
}
