/**
 * How `oet` reads script argument values from the command line.
 *
 * The reference client (python-fire) read every value as a Python literal,
 * with surprises (`true` stayed a string, `007` a string, `1,2` a list). The
 * rule here is predictable and documented in `--help` and the README:
 *
 * | typed                              | sent as              |
 * | ---------------------------------- | -------------------- |
 * | `3`, `-2`, `2.5`, `1e3`            | a number             |
 * | `True` `true` / `False` `false`    | a boolean            |
 * | `None` `null`                      | null                 |
 * | `[1, 2]`, `{"a": 1}`, `{'a': 1}`   | a list / an object (JSON or Python literal) |
 * | `'text'`, `"text"` (quotes kept by the shell) | the text, unquoted |
 * | anything else                      | the text as typed    |
 *
 * To force a string, quote it inside the shell quotes: `--sbi="'007'"`.
 */

import type { Json, JsonObject } from "../../domain/types.ts";

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_WITH_LEADING_ZERO = /^[+-]?0\d+$/;

/** Parses one command-line value by the rule above. Never throws. */
export function parseValue(text: string): Json {
  switch (text) {
    case "True":
    case "true":
      return true;
    case "False":
    case "false":
      return false;
    case "None":
    case "null":
      return null;
  }
  // `007` is not a number in Python or JSON: keep it as typed.
  if (NUMBER.test(text) && !INTEGER_WITH_LEADING_ZERO.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  const first = text[0];
  if (first === '"' || first === "'" || first === "[" || first === "{" || first === "(") {
    const literal = parseLiteral(text);
    if (literal.ok) return literal.value;
  }
  return text;
}

/** The result of parsing a Python or JSON literal. */
export type LiteralResult = { ok: true; value: Json } | { ok: false; error: string };

/**
 * Parses a JSON or Python literal: numbers, strings in either quotes,
 * True/False/None (and JSON's true/false/null), lists, tuples (as lists) and
 * dicts with string keys. Trailing commas are allowed, as in Python.
 */
export function parseLiteral(text: string): LiteralResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // not JSON: try the Python literal syntax below
  }
  try {
    const p = new LiteralParser(text);
    const value = p.value();
    p.end();
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

class LiteralParser {
  #s: string;
  #i = 0;
  constructor(s: string) {
    this.#s = s;
  }

  #fail(what: string): never {
    throw new Error(`${what} at position ${this.#i + 1}`);
  }

  #skip(): void {
    while (this.#i < this.#s.length && /\s/.test(this.#s[this.#i])) this.#i++;
  }

  end(): void {
    this.#skip();
    if (this.#i < this.#s.length) this.#fail(`unexpected ${JSON.stringify(this.#s[this.#i])}`);
  }

  value(): Json {
    this.#skip();
    const c = this.#s[this.#i];
    if (c === undefined) this.#fail("unexpected end");
    if (c === "[" || c === "(") return this.#sequence(c === "[" ? "]" : ")");
    if (c === "{") return this.#dict();
    if (c === "'" || c === '"') return this.#string();
    const word = this.#s.slice(this.#i).match(/^[A-Za-z_]+/)?.[0];
    if (word) {
      const known: Record<string, Json> = {
        True: true,
        true: true,
        False: false,
        false: false,
        None: null,
        null: null,
      };
      if (!(word in known)) this.#fail(`unknown name ${JSON.stringify(word)}`);
      this.#i += word.length;
      return known[word];
    }
    const num = this.#s.slice(this.#i).match(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/)?.[0];
    if (num) {
      this.#i += num.length;
      return Number(num);
    }
    return this.#fail(`unexpected ${JSON.stringify(c)}`);
  }

  #sequence(close: string): Json[] {
    this.#i++;
    const items: Json[] = [];
    for (;;) {
      this.#skip();
      if (this.#s[this.#i] === close) {
        this.#i++;
        return items;
      }
      items.push(this.value());
      this.#skip();
      if (this.#s[this.#i] === ",") this.#i++;
      else if (this.#s[this.#i] !== close) this.#fail(`expected ',' or '${close}'`);
    }
  }

  #dict(): JsonObject {
    this.#i++;
    const out: JsonObject = {};
    for (;;) {
      this.#skip();
      if (this.#s[this.#i] === "}") {
        this.#i++;
        return out;
      }
      const key = this.value();
      if (typeof key !== "string") this.#fail("dict keys must be strings");
      this.#skip();
      if (this.#s[this.#i] !== ":") this.#fail("expected ':'");
      this.#i++;
      out[key] = this.value();
      this.#skip();
      if (this.#s[this.#i] === ",") this.#i++;
      else if (this.#s[this.#i] !== "}") this.#fail("expected ',' or '}'");
    }
  }

  #string(): string {
    const quote = this.#s[this.#i++];
    let out = "";
    for (;;) {
      const c = this.#s[this.#i++];
      if (c === undefined) this.#fail("unterminated string");
      if (c === quote) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.#s[this.#i++];
      if (e === undefined) this.#fail("unterminated string");
      if (e in ESCAPES) out += ESCAPES[e];
      else if (e === "x" || e === "u" || e === "U") {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.#s.slice(this.#i, this.#i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.#fail("bad escape");
        out += String.fromCodePoint(parseInt(hex, 16));
        this.#i += len;
      } else out += `\\${e}`;
    }
  }
}

/** The value rule above, for `--help` of the commands that pass script arguments. */
export const VALUE_RULES = `Script argument values:
  3, -2, 2.5, 1e3             a number
  True/true, False/false      a boolean
  None/null                   null
  '[1, 2]', '{"a": 1}'        a list / a dict (JSON or Python literal)
  "'007'", '"text"'           a string (inner quotes make it one)
  anything else               the text as typed
Positional words become args; --name=value or --name value become kwargs (--my-name is sent as my_name); a bare --flag is True; after -- every word is positional. A keyword one slip from one of oet's own options of up to 4 letters (--pdi, --id, --ppid for --pid), or two from a longer one (--lisen, --timout), is refused as a likely typo, a swap of two letters counting as one: send it with --kwarg name=value. --sbd or --big reach the script.`;
