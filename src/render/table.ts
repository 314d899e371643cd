/**
 * Python tabulate's "simple" table layout (tabulate 0.8.9 with wcwidth),
 * reproduced byte for byte, because the reference client printed its tables
 * with it and operators know them:
 *
 * - a column is numeric when every value is a number or a numeric string;
 *   numeric columns and their headers are right-aligned (floats on the
 *   decimal point), all others left-aligned; `"True"`/`"False"` count as
 *   booleans, not text, and an all-empty column aligns left;
 * - column width = max(header width + 2, widest cell), by display width;
 * - a dashed rule under the header, columns joined by two spaces, trailing
 *   spaces stripped from every line; null/undefined print as empty cells.
 *
 * Cells are printed as given: callers escape server text first.
 *
 * Widths: nearly every cell is printable ASCII (ids, states, times, URIs)
 * and is measured by its length. Other text is measured with string-width,
 * like Python's wcwidth; its Unicode tables take about 19 ms to load
 * (docs/benchmarks.md), so it is loaded only when a table needs it:
 * `table()` does that, `tabulate()` expects it done.
 */

import { isDigits } from "../domain/text.ts";

/** A table cell value. */
export type Cell = string | number | boolean | null | undefined;

type ColumnType = 0 | 1 | 2 | 3 | 5; // none, bool, int, float, text (tabulate's ranks)
const NONE = 0, BOOL = 1, INT = 2, FLOAT = 3, TEXT = 5;

// tabulate's _invisible_codes: ANSI colours and OSC 8 links do not count.
// deno-lint-ignore no-control-regex -- these are escape sequences by definition
const ANSI = /\x1b\[\d+[;\d]*m|\x1b\[\d*;\d*;\d*m|\x1b\]8;;.*?\x1b\\/g;
/** Python's int() accepts it (exported for tests/unit/table_test.ts). */
export const INT_RE = /^\s*[+-]?\d(?:_?\d)*\s*$/;
/** Python's float() accepts it, inf and nan in every spelling (exported for the tests). */
export const FLOAT_RE =
  /^\s*[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)\s*$/i;

// Most cells are ids, states, times and URIs: plain loops answer for them,
// because the first use of INT_RE and FLOAT_RE compiles them (about 0.3 ms
// of every table, measured with Deno 2.9.6).

/** The ASCII characters INT_RE and FLOAT_RE can match: spaces, signs, digits, exponents, inf/nan. */
const NUMBER_CHARACTERS = " \t\n\v\f\r+-._0123456789eEiInNfFtTyYaA";

/** False when `s` holds an ASCII character neither INT_RE nor FLOAT_RE can match. */
export function mayBeNumber(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) < 0x80 && !NUMBER_CHARACTERS.includes(s[i])) return false;
  }
  return true;
}

function stripInvisible(s: string): string {
  return s.includes("\x1b") ? s.replace(ANSI, "") : s;
}

/** Python's int(s) would accept it. */
function isIntText(s: string): boolean {
  return isDigits(s) || (mayBeNumber(s) && INT_RE.test(s));
}

/** tabulate's `_isnumber`: float(s) works, and inf/nan only in these spellings. */
function isNumberText(s: string): boolean {
  if (isDigits(s)) return true;
  if (!mayBeNumber(s) || !FLOAT_RE.test(s)) return false;
  const t = s.trim().toLowerCase();
  if (/inf|nan/.test(t)) return ["inf", "-inf", "nan"].includes(s);
  return true;
}

function typeOf(value: Cell): ColumnType {
  if (value === null || value === undefined) return NONE;
  if (typeof value === "boolean") return BOOL;
  if (typeof value === "number") return Number.isInteger(value) ? INT : FLOAT;
  const s = stripInvisible(value);
  if (s === "True" || s === "False") return BOOL;
  if (isIntText(s)) return INT;
  if (isNumberText(s)) return FLOAT;
  return TEXT;
}

/** The exact value of a double as numerator / denominator (a power of two). */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  if (biased !== 0) mantissa |= 1n << 52n;
  const e2 = (biased === 0 ? 1 : biased) - 1075;
  return e2 >= 0
    ? { num: mantissa << BigInt(e2), den: 1n }
    : { num: mantissa, den: 1n << BigInt(-e2) };
}

/**
 * The 6 significant digits of |x| as Python rounds them: correctly, ties to
 * even. JavaScript's toExponential rounds exact ties away from zero.
 */
function sixDigits(x: number): { digits: string; exp: number } {
  const [m, e] = Math.abs(x).toExponential(5).split("e");
  let digits = m.replace(".", "");
  let exp = Number(e);
  // Is |x| * 10^(5-exp) exactly N + 0.5? Then JS chose N + 1; Python wants N if N is even.
  const { num, den } = exactFraction(x);
  const shift = 5 - exp;
  const scaledNum = 2n * num * (shift >= 0 ? 10n ** BigInt(shift) : 1n);
  const scaledDen = den * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  if (scaledNum % scaledDen === 0n) {
    const twice = scaledNum / scaledDen;
    if (twice % 2n === 1n) {
      const n = twice / 2n; // floor(|x| * 10^(5-exp))
      if (n % 2n === 0n && n >= 100000n) {
        digits = n.toString();
        exp = Number(e);
      }
    }
  }
  return { digits, exp };
}

/** Python's `format(x, "g")`: 6 significant digits, exponent from 1e-4/1e6. */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  const { digits, exp } = sixDigits(x);
  const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= 6) {
    const mantissa = strip(`${digits[0]}.${digits.slice(1)}`);
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const point = exp + 1; // digits before the decimal point
  const fixed = point <= 0
    ? `0.${"0".repeat(-point)}${digits}`
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + strip(fixed);
}

function formatCell(value: Cell, type: ColumnType): string {
  if (value === null || value === undefined) return "";
  if (type === FLOAT && typeof value !== "boolean") {
    if (typeof value === "number") return formatG(value);
    const raw = stripInvisible(value);
    return value.replace(raw, formatG(Number(raw.trim().replace(/_/g, ""))));
  }
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

/** Every character is printable ASCII (a loop: see the note above INT_RE's users). */
function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
let wideWidth: ((s: string) => number) | undefined;

function needsWideWidths(cell: Cell): boolean {
  return typeof cell === "string" && !isPrintableAscii(stripInvisible(cell));
}

/** Loads the Unicode width tables (string-width); later calls do nothing. */
export async function loadWideWidths(): Promise<void> {
  wideWidth ??= (await import("string-width")).default;
}

function width(s: string): number {
  const plain = stripInvisible(s);
  if (isPrintableAscii(plain)) return plain.length;
  if (!wideWidth) {
    throw new Error("oet bug: a table with non-ASCII text was rendered before loadWideWidths()");
  }
  return wideWidth(s);
}

/** Digits after the decimal point (tabulate's `_afterpoint`); -1 for ints. */
function afterPoint(s: string): number {
  const t = stripInvisible(s);
  if (!isNumberText(t) || isIntText(t)) return -1;
  let pos = t.lastIndexOf(".");
  if (pos < 0) pos = t.toLowerCase().lastIndexOf("e");
  return pos >= 0 ? t.length - pos - 1 : -1;
}

function padLeft(s: string, w: number): string {
  return " ".repeat(Math.max(0, w - width(s))) + s;
}

function padRight(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - width(s)));
}

/**
 * Renders rows under headers as tabulate's "simple" format (no final
 * newline), loading the Unicode width tables first if a cell needs them.
 */
export async function table(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): Promise<string> {
  if (headers.some(needsWideWidths) || rows.some((r) => r.some(needsWideWidths))) {
    await loadWideWidths();
  }
  return tabulate(headers, rows);
}

/**
 * Renders rows under headers as tabulate's "simple" format (no final
 * newline). Cells other than printable ASCII need `loadWideWidths()` first
 * (`table()` does it).
 */
export function tabulate(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const ncols = headers.length;
  const columns: Cell[][] = headers.map((_, c) => rows.map((r) => r[c]));
  const lines: string[][] = headers.map(() => []);
  const widths: number[] = [];
  const numeric: boolean[] = [];
  for (let c = 0; c < ncols; c++) {
    const values = columns[c];
    // reduce(_more_generic, types, bool): an empty column counts as bool.
    let type: ColumnType = BOOL;
    for (const v of values) {
      const t = typeOf(v);
      if (t > type) type = t;
    }
    const isNum = type === INT || type === FLOAT;
    numeric.push(isNum);
    let cells = values.map((v) => formatCell(v, type));
    if (isNum) {
      const decimals = cells.map(afterPoint);
      const max = decimals.reduce((m, d) => Math.max(m, d), -1);
      cells = cells.map((s, i) => s + " ".repeat(Math.max(0, max - decimals[i])));
    } else {
      cells = cells.map((s) => s.trim());
    }
    const minWidth = width(headers[c]) + 2;
    // A loop, not Math.max(...): a spread of 200,000 cells overflows the stack.
    const w = cells.reduce((m, cell) => Math.max(m, width(cell)), minWidth);
    widths.push(w);
    lines[c] = cells.map((s) => (isNum ? padLeft(s, w) : padRight(s, w)));
  }
  const out: string[] = [];
  out.push(
    headers.map((h, c) => (numeric[c] ? padLeft(h, widths[c]) : padRight(h, widths[c])))
      .join("  ").trimEnd(),
  );
  out.push(widths.map((w) => "-".repeat(w)).join("  "));
  for (let r = 0; r < rows.length; r++) {
    out.push(lines.map((col) => col[r]).join("  ").trimEnd());
  }
  return out.join("\n");
}
