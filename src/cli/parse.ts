/**
 * The command-line parser: argv against the declared command tree
 * (`src/commands/framework/spec.ts`). No framework: the rules below are the
 * reference doc's, and a framework would need as much code to bend to them.
 *
 * - Options take `--name=value` or `--name value`; `_` and `-` are alike in
 *   option names (`--run_abort` = `--run-abort`); short options `-o json`,
 *   `-ojson`.
 * - Python-style booleans: a bare `--listen` is True, `--no-listen` False,
 *   `--listen=False` and `--listen False` take True/False/true/false, and
 *   nothing else.
 * - Options may come anywhere after their command; global options
 *   (`--server-url`, `--request-timeout`, `--help`) anywhere at all.
 * - Commands that pass keyword arguments to a script (create, start) take
 *   unknown `--name[=value]` words as script keywords — unless the name is
 *   within two edits of one of oet's own options: that is a typo, and a
 *   usage error, so it never reaches the telescope. `--kwarg NAME=VALUE`
 *   sends any name.
 * - After a lone `--`, every word is positional.
 * - An option given twice is a usage error (`--pid 2 --pid 3` is no choice).
 */

import type {
  AnyCommand,
  AnyOption,
  GroupSpec,
  KeywordWord,
  OptionSpecs,
} from "../commands/framework/spec.ts";
import { BOOL_WORDS, entryNamed, loadEntry } from "../commands/framework/spec.ts";
import { UsageError } from "../domain/errors.ts";
import { closest, optionNearMiss } from "./suggest.ts";

/** A node of the command tree. */
export type Node = GroupSpec | AnyCommand;

/** The tree to parse against: the root group and the options every command takes. */
export interface CommandTree {
  readonly root: GroupSpec;
  /** Options valid everywhere (`--server-url`, `--request-timeout`, `--help`). */
  readonly globals: OptionSpecs;
  /** Options valid only before the first command (`--version`). */
  readonly rootOnly: OptionSpecs;
}

/** What the command line asks for. */
export type Parsed =
  | {
    readonly kind: "run";
    /** From the root down to the command. */
    readonly path: readonly Node[];
    readonly command: AnyCommand;
    readonly opts: Record<string, unknown>;
    readonly globals: Record<string, unknown>;
    readonly args: readonly string[];
    readonly keywords: readonly KeywordWord[];
  }
  | {
    /** `--help`, or a group with no command: help for the last node. */
    readonly kind: "help";
    readonly path: readonly Node[];
    readonly globals: Record<string, unknown>;
  }
  | { readonly kind: "version"; readonly globals: Record<string, unknown> };

/** The usage line of a node, e.g. `oet procedure start`. */
export function commandPath(path: readonly Node[]): string {
  return path.map((n) => n.name).join(" ");
}

function isNegativeNumber(word: string): boolean {
  return /^-(\d|\.\d)/.test(word);
}

/** True for a word that is an option rather than a value. */
function isOptionWord(word: string): boolean {
  return (word.startsWith("--") && word.length > 2) ||
    (/^-[^-]/.test(word) && !isNegativeNumber(word));
}

/** The option names a user may have meant, for did-you-mean. */
function spellings(specs: Iterable<AnyOption>): string[] {
  const names: string[] = [];
  for (const o of specs) {
    if (o.hidden) continue;
    names.push(o.long);
    if (o.kind === "flag") names.push(`no-${o.long}`);
  }
  return names;
}

const HELP_HINT = (path: readonly Node[]) => `see: ${commandPath(path)} --help`;

/**
 * Parses `argv` against the tree; throws a UsageError for anything it
 * cannot accept. Loads the module of the command it finds (and no other).
 */
export async function parseArgv(tree: CommandTree, argv: readonly string[]): Promise<Parsed> {
  const path: Node[] = [tree.root];
  let node: Node = tree.root;
  const values = new Map<AnyOption, unknown>();
  const given = new Map<AnyOption, string>();
  const positionals: string[] = [];
  const keywords: KeywordWord[] = [];
  let literal = false;

  const scope = (): [string, AnyOption][] => {
    const own = node.kind === "command" ? Object.entries(node.options as OptionSpecs) : [];
    const rootOnly = node === tree.root ? Object.entries(tree.rootOnly) : [];
    return [...own, ...Object.entries(tree.globals), ...rootOnly];
  };

  const set = (option: AnyOption, typed: string, value: unknown) => {
    if (option.kind === "list") {
      const list = (values.get(option) as unknown[] | undefined) ?? [];
      list.push(value);
      values.set(option, list);
      return;
    }
    const before = given.get(option);
    if (before !== undefined) {
      throw new UsageError(
        `--${option.long} was given twice (${before} and ${typed}); give it once`,
        { hint: HELP_HINT(path) },
      );
    }
    given.set(option, typed);
    values.set(option, value);
  };

  const parseValue = (option: AnyOption, flag: string, text: string): unknown => {
    if (option.kind === "flag") return undefined;
    if (option.kind === "value" && option.nullable && (text === "None" || text === "null")) {
      return undefined;
    }
    try {
      return option.parse(text);
    } catch (err) {
      throw new UsageError(
        `invalid value ${JSON.stringify(text)} for ${flag}: ${(err as Error).message}`,
        { hint: HELP_HINT(path) },
      );
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (literal) {
      positionals.push(word);
      continue;
    }
    if (word === "--") {
      if (node.kind === "group") {
        throw new UsageError(`"--" must come after a command`, { hint: HELP_HINT(path) });
      }
      literal = true;
      continue;
    }

    if (word.startsWith("--") && word.length > 2) {
      const eq = word.indexOf("=");
      const typedName = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      const name = typedName.replaceAll("_", "-");
      const options = scope();
      let match = options.find(([, o]) => o.long === name)?.[1];
      let negated = false;
      if (!match && name.startsWith("no-")) {
        match = options.find(([, o]) => o.kind === "flag" && o.long === name.slice(3))?.[1];
        negated = match !== undefined;
      }
      if (match) {
        const flag = `--${typedName}`;
        if (match.kind === "flag") {
          if (negated) {
            if (inline !== undefined) {
              throw new UsageError(`${flag} takes no value`, {
                hint: `write --${match.long}=${inline} or ${flag}`,
              });
            }
            set(match, word, false);
          } else if (inline !== undefined) {
            if (!(inline in BOOL_WORDS)) {
              throw new UsageError(
                `invalid value ${JSON.stringify(inline)} for ${flag}: expected True or False`,
                {
                  hint:
                    `write ${flag}=True or ${flag}=False (true/false also work), or --no-${match.long}`,
                },
              );
            }
            set(match, word, BOOL_WORDS[inline]);
          } else if (i + 1 < argv.length && argv[i + 1] in BOOL_WORDS) {
            set(match, `${word} ${argv[i + 1]}`, BOOL_WORDS[argv[++i]]);
          } else set(match, word, true);
          continue;
        }
        let text = inline;
        let typed = word;
        if (text === undefined) {
          const next = argv[i + 1];
          if (next === undefined || (isOptionWord(next) && !isNegativeNumber(next))) {
            throw new UsageError(`${flag} needs a value (<${match.valueName ?? "value"}>)`, {
              hint: HELP_HINT(path),
            });
          }
          text = next;
          typed = `${word} ${next}`;
          i++;
        }
        set(match, typed, parseValue(match, flag, text));
        continue;
      }
      // Not one of ours.
      const near = optionNearMiss(name, spellings(options.map(([, o]) => o)));
      if (node.kind === "command" && node.scriptKeywords) {
        if (near) {
          throw new UsageError(
            `unknown option --${typedName}: did you mean --${near}?`,
            {
              hint:
                `nothing was sent. To pass a script keyword argument named like an oet option, write --kwarg ${
                  typedName.replaceAll("-", "_")
                }=VALUE`,
            },
          );
        }
        if (inline !== undefined) keywords.push({ name: typedName, value: inline, typed: word });
        else if (i + 1 < argv.length && !isOptionWord(argv[i + 1]) && argv[i + 1] !== "--") {
          keywords.push({ name: typedName, value: argv[i + 1], typed: `${word} ${argv[i + 1]}` });
          i++;
        } else keywords.push({ name: typedName, value: true, typed: word });
        continue;
      }
      throw new UsageError(
        `unknown option --${typedName}${near ? `: did you mean --${near}?` : ""}`,
        { hint: HELP_HINT(path) },
      );
    }

    if (word.startsWith("-") && word.length > 1 && !isNegativeNumber(word)) {
      const letter = word[1];
      const option = scope().find(([, o]) => o.short === letter)?.[1];
      if (!option) {
        throw new UsageError(`unknown option -${letter}`, { hint: HELP_HINT(path) });
      }
      const flag = `-${letter}`;
      if (option.kind === "flag") {
        if (word.length > 2) throw new UsageError(`${flag} takes no value`);
        set(option, word, true);
        continue;
      }
      let text = word.length > 2 ? word.slice(word[2] === "=" ? 3 : 2) : undefined;
      let typed = word;
      if (text === undefined) {
        const next = argv[i + 1];
        if (next === undefined || isOptionWord(next)) {
          throw new UsageError(`${flag} needs a value (<${option.valueName ?? "value"}>)`, {
            hint: HELP_HINT(path),
          });
        }
        text = next;
        typed = `${word} ${next}`;
        i++;
      }
      set(option, typed, parseValue(option, flag, text));
      continue;
    }

    if (node.kind === "group") {
      const entry = node.commands.find((c) => entryNamed(c, word));
      if (!entry) {
        const near = closest(word, node.commands.map((c) => c.name));
        throw new UsageError(
          `unknown command ${JSON.stringify(word)} for ${JSON.stringify(commandPath(path))}${
            near ? `: did you mean ${near}?` : ""
          }`,
          { hint: HELP_HINT(path) },
        );
      }
      const sub: Node = await loadEntry(entry);
      node = sub;
      path.push(sub);
      continue;
    }
    positionals.push(word);
  }

  const globals: Record<string, unknown> = {};
  for (const [key, o] of Object.entries({ ...tree.globals, ...tree.rootOnly })) {
    globals[key] = values.has(o) ? values.get(o) : fallback(o);
  }
  if (globals.help) return { kind: "help", path, globals };
  if (globals.version) return { kind: "version", globals };
  if (node.kind === "group") return { kind: "help", path, globals };

  checkArguments(node, path, positionals, given);
  const opts: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(node.options as OptionSpecs)) {
    opts[key] = values.has(o) ? values.get(o) : fallback(o);
  }
  return { kind: "run", path, command: node, opts, globals, args: positionals, keywords };
}

function fallback(o: AnyOption): unknown {
  if (o.kind === "list") return [];
  return o.fallback;
}

/** Checks the positional words against the declared arguments. */
function checkArguments(
  command: AnyCommand,
  path: readonly Node[],
  positionals: readonly string[],
  given: ReadonlyMap<AnyOption, string>,
): void {
  const specs = command.args ?? [];
  const required = specs.filter((a) => a.required);
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((a) => `<${a.name}>`);
    throw new UsageError(
      `missing ${missing.length > 1 ? "arguments" : "argument"} ${missing.join(" ")}`,
      { hint: HELP_HINT(path) },
    );
  }
  if (specs.at(-1)?.variadic || positionals.length <= specs.length) return;
  const extra = positionals.slice(specs.length);
  // The reference doc's own `--script-args={"init": …}` is split by the
  // shell into several words and loses its quotes: say how to quote it.
  const jsonOption = [...given.values()].find((typed) => /=\s*[[{]|\s[[{]/.test(typed));
  const looksLikeJson = jsonOption !== undefined || extra.some((w) => /^[[{]|[}\]],?$/.test(w));
  throw new UsageError(
    `unexpected ${extra.length > 1 ? "arguments" : "argument"}: ${
      extra.map((w) => JSON.stringify(w)).join(" ")
    }`,
    {
      hint: looksLikeJson
        ? `the shell split a JSON value into several words: put it in single quotes, e.g. --script-args='{"init": {"args": [1, "foo"]}}'`
        : HELP_HINT(path),
    },
  );
}
