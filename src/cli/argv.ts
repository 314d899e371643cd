/**
 * Spelling tolerance, applied before commander parses:
 *
 * - `_` and `-` alike in option names (`--run_abort` = `--run-abort`,
 *   `--git_repo` = `--git-repo`), for the command's own options and the
 *   global ones; unknown names (script kwargs) are left as typed;
 * - Python-style booleans: `--listen=False`, `--listen False`, a bare
 *   `--listen` (true) and `--no-listen`. A bare boolean flag never swallows
 *   the next word unless that word is a boolean (`--listen bob` keeps `bob`
 *   as an argument).
 */

import type { Command, Option } from "commander";
import { isBoolWord } from "./option_parsers.ts";

function optionsInScope(command: Command): Option[] {
  const all: Option[] = [];
  for (let c: Command | null = command; c; c = c.parent) all.push(...c.options);
  return all;
}

function findOption(options: Option[], name: string): Option | undefined {
  const wanted = `--${name.replaceAll("_", "-")}`;
  return options.find((o) => o.long === wanted);
}

/** Rewrites argv so commander sees canonical option names and boolean values. */
export function normalizeArgv(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  let command = program;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (word.startsWith("--") && word.length > 2) {
      const eq = word.indexOf("=");
      const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
      const option = findOption(optionsInScope(command), name);
      if (!option?.long) {
        out.push(word);
        continue;
      }
      const value = eq >= 0 ? word.slice(eq) : "";
      if (option.optional && !option.negate && eq < 0) {
        // `--listen False` → `--listen=False`; `--listen bob` → `--listen=true bob`.
        const next = argv[i + 1];
        if (next !== undefined && isBoolWord(next)) {
          out.push(`${option.long}=${next}`);
          i++;
        } else out.push(`${option.long}=true`);
        continue;
      }
      out.push(`${option.long}${value}`);
      if (option.required && eq < 0 && i + 1 < argv.length) out.push(argv[++i]);
      continue;
    }
    if (word.startsWith("-") && word.length === 2) {
      // A short option with a separate value (`-o json`).
      out.push(word);
      const option = optionsInScope(command).find((o) => o.short === word);
      if (option?.required && i + 1 < argv.length) out.push(argv[++i]);
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) command = sub;
    out.push(word);
  }
  return out;
}
