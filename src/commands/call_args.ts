/**
 * Turns the free words after a command (`create <uri> [args…] [--k=v…]`,
 * `start [args…] [--k=v…]`) into a script call: positional words become
 * `args`, `--name=value` / `--name value` become `kwargs` (hyphens in names
 * become underscores, as the reference client did), a bare `--name` is
 * `True`, and everything after a lone `--` is positional.
 */

import { UsageError } from "../domain/errors.ts";
import type { FunctionArgs } from "../domain/types.ts";
import { parseValue } from "./values.ts";

/** True for a word that is an option name rather than a value. */
function isOptionWord(word: string): boolean {
  // `-1` and `-2.5` are values (negative numbers), `-x`/`--x` are not.
  return /^--?[^\d.-]/.test(word) || word.startsWith("--");
}

/** Levenshtein distance, for "did you mean" warnings. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The script call and any warnings about likely typos of real options. */
export interface SplitResult {
  call: FunctionArgs;
  warnings: string[];
}

/**
 * Splits free words into a script call. `knownOptions` (long names without
 * dashes) are the command's own options: a kwarg close to one of them is
 * probably a typo, and gets a warning (it is still sent).
 */
export function splitCallArgs(
  words: readonly string[],
  knownOptions: readonly string[] = [],
): SplitResult {
  const call: FunctionArgs = { args: [], kwargs: {} };
  const warnings: string[] = [];
  let literal = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (literal) {
      call.args.push(parseValue(word));
      continue;
    }
    if (word === "--") {
      literal = true;
      continue;
    }
    if (!word.startsWith("--") || word.length === 2) {
      call.args.push(parseValue(word));
      continue;
    }
    const eq = word.indexOf("=");
    const rawName = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    if (!rawName || !/^[A-Za-z_][\w-]*$/.test(rawName)) {
      throw new UsageError(`invalid script keyword argument ${JSON.stringify(word)}`, {
        hint: "keyword arguments look like --name=value, with a name such as subarray_id",
      });
    }
    const name = rawName.replaceAll("-", "_");
    let value: string | true;
    if (eq >= 0) value = word.slice(eq + 1);
    else if (i + 1 < words.length && !isOptionWord(words[i + 1])) value = words[++i];
    else value = true;
    call.kwargs[name] = value === true ? true : parseValue(value);
    const near = knownOptions.find((o) => {
      const d = editDistance(name.replaceAll("_", "-"), o);
      return d > 0 && d <= 2;
    });
    if (near) {
      warnings.push(
        `--${rawName} is not an option of this command, so it is sent to the script as keyword argument ${name}; did you mean --${near}?`,
      );
    }
  }
  return { call, warnings };
}
