/**
 * Turns the script words of `create <uri> [args…] [--kwargs…]` and
 * `start [args…] [--kwargs…]` into a script call: positional words become
 * `args`; `--name=value`, `--name value` and `--kwarg name=value` become
 * `kwargs` (hyphens in names become underscores, as the reference client
 * did); a bare `--name` is `True`. Values follow the rule in values.ts.
 * The parser has already refused likely typos of oet's own options.
 */

import { UsageError } from "../../domain/errors.ts";
import type { FunctionArgs } from "../../domain/types.ts";
import { isKeywordName, type KeywordWord } from "./spec.ts";
import { parseValue } from "./values.ts";

/** Builds a script call; the same keyword twice is a usage error. */
export function buildCall(
  positionals: readonly string[],
  keywords: readonly KeywordWord[],
  explicit: readonly { name: string; value: string }[] = [],
): FunctionArgs {
  const call: FunctionArgs = { args: positionals.map(parseValue), kwargs: {} };
  const typedAs = new Map<string, string>();
  const all: KeywordWord[] = [
    ...keywords,
    ...explicit.map((k) => ({
      name: k.name,
      value: k.value,
      typed: `--kwarg ${k.name}=${k.value}`,
    })),
  ];
  for (const k of all) {
    if (!isKeywordName(k.name)) {
      throw new UsageError(`invalid script keyword argument ${JSON.stringify(k.typed)}`, {
        hint: "keyword arguments look like --name=value, with a name such as subarray_id",
      });
    }
    const name = k.name.replaceAll("-", "_");
    const before = typedAs.get(name);
    if (before !== undefined) {
      throw new UsageError(
        `script keyword argument ${name} was given twice (${before} and ${k.typed}); give it once`,
      );
    }
    typedAs.set(name, k.typed);
    call.kwargs[name] = k.value === true ? true : parseValue(k.value);
  }
  return call;
}
