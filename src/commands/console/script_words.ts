/**
 * The console's argument fields take the command line's syntax: the words
 * of `oet procedure create URI …` / `oet procedure start …` after the URI,
 * split as a shell splits them, then made into a script call by the same
 * `buildCall` the commands use (values by the rule of values.ts).
 */

import { UsageError } from "../../domain/errors.ts";
import type { FunctionArgs } from "../../domain/types.ts";
import { buildCall } from "../framework/call_args.ts";
import type { KeywordWord } from "../framework/spec.ts";

/**
 * Splits a line into words as a POSIX shell does for plain words: blanks
 * separate, '…' keeps everything, "…" keeps everything but `\"` and `\\`,
 * a backslash outside quotes keeps the next character. No expansions.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (quote) {
    throw new UsageError(`unterminated ${quote} quote in the arguments`, {
      hint: "close the quote, as on the command line",
    });
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * A script call from an argument field: positional words, `--name=value`,
 * `--name value`, a bare `--name` (True) and `--kwarg name=value`, as the
 * command line takes them.
 */
export function scriptCall(line: string): FunctionArgs {
  const words = shellWords(line);
  const positionals: string[] = [];
  const keywords: KeywordWord[] = [];
  const explicit: { name: string; value: string }[] = [];
  const isOption = (w: string | undefined) => w !== undefined && w.startsWith("--") && w.length > 2;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!isOption(w)) {
      positionals.push(w);
      continue;
    }
    const eq = w.indexOf("=");
    const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
    let value: string | true;
    let typed = w;
    if (eq >= 0) value = w.slice(eq + 1);
    else if (i + 1 < words.length && !isOption(words[i + 1])) {
      value = words[++i];
      typed = `${w} ${value}`;
    } else value = true;
    if (name === "kwarg") {
      const pair = value === true ? "" : value;
      const at = pair.indexOf("=");
      if (at <= 0) {
        throw new UsageError(`--kwarg takes name=value, not ${JSON.stringify(pair)}`);
      }
      explicit.push({ name: pair.slice(0, at), value: pair.slice(at + 1) });
    } else keywords.push({ name, value, typed });
  }
  return buildCall(positionals, keywords, explicit);
}
