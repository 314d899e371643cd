/**
 * The command-line parser: argv against the declared command tree
 * (`src/commands/framework/spec.ts`). No framework: the rules below are the
 * reference doc's, and a framework would need as much code to bend to them.
 *
 * - Options take `--name=value` or `--name value`; `_` and `-` are alike in
 *   option names (`--run_abort` = `--run-abort`); short options `-o json`,
 *   `-ojson`, `-o=json`. Short options are not combined: `-ho` is a usage
 *   error that says so (`-h -o json` works).
 * - A value may be a negative number (`--offset -1`); any other word that
 *   starts with `-` is an option, so an option that needs a value does not
 *   take it.
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
  FlagOption,
  GroupSpec,
  KeywordWord,
  OptionSpecs,
  OptionValue,
  OptionValues,
} from "../commands/framework/spec.ts";
import { BOOL_WORDS, entryNamed, loadEntry, optionValues } from "../commands/framework/spec.ts";
import { UsageError } from "../domain/errors.ts";
import { closest, optionNearMiss } from "./suggest.ts";
import { isDigits } from "../domain/text.ts";

/** A node of the command tree. */
export type Node = GroupSpec | AnyCommand;

/** The options every command takes: `--help` among them. */
export type GlobalSpecs = OptionSpecs & { readonly help: FlagOption };
/** The options only the root takes: `--version` among them. */
export type RootSpecs = OptionSpecs & { readonly version: FlagOption };

/** The tree to parse against: the root group and the options every command takes. */
export interface CommandTree<G extends GlobalSpecs = GlobalSpecs, R extends RootSpecs = RootSpecs> {
  readonly root: GroupSpec;
  /** Options valid everywhere (`--server-url`, `--request-timeout`, `--help`). */
  readonly globals: G;
  /** Options valid only before the first command (`--version`). */
  readonly rootOnly: R;
}

/** What the command line asks for; `globals` typed by the tree's declarations. */
export type Parsed<G extends OptionSpecs = GlobalSpecs> =
  | {
    readonly kind: "run";
    /** From the root down to the command. */
    readonly path: readonly Node[];
    readonly command: AnyCommand;
    /** The command's options, by the names its declaration gives them. */
    readonly opts: OptionValues<OptionSpecs>;
    readonly globals: OptionValues<G>;
    readonly args: readonly string[];
    readonly keywords: readonly KeywordWord[];
  }
  | {
    /** `--help`, or a group with no command: help for the last node. */
    readonly kind: "help";
    readonly path: readonly Node[];
    readonly globals: OptionValues<G>;
  }
  | { readonly kind: "version"; readonly globals: OptionValues<G> };

/** The usage line of a node, e.g. `oet procedure start`. */
export function commandPath(path: readonly Node[]): string {
  return path.map((n) => n.name).join(" ");
}

function isNegativeNumber(word: string): boolean {
  // /^-(\d|\.\d)/, without a regular expression (see isShortWord).
  const digit = (i: number) => word.charCodeAt(i) >= 0x30 && word.charCodeAt(i) <= 0x39;
  return word[0] === "-" && (digit(1) || (word[1] === "." && digit(2)));
}

/** `--name`, `--name=value`: a long option (or a script keyword). */
function isLongWord(word: string): boolean {
  return word.startsWith("--") && word.length > 2;
}

/** `-o`, `-ojson`: a short option (a negative number is a value). */
function isShortWord(word: string): boolean {
  // Not /^-[^-]/: no regular expression runs for the usual words (the first
  // one of a process is compiled then, about 0.1 ms; see src/domain/text.ts).
  return word.length > 1 && word[0] === "-" && word[1] !== "-" && !isNegativeNumber(word);
}

/** True for a word that is an option rather than a value. */
function isOptionWord(word: string): boolean {
  return isLongWord(word) || isShortWord(word);
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
 * For an option that is not a global one, typed before the command
 * (`oet -o json procedure list`): where it goes. Empty when a command was
 * already named.
 */
function afterCommand(node: Node, argv: readonly string[], i: number): string {
  if (node.kind !== "group") return "";
  const word = argv[i];
  const next = argv[i + 1];
  // The next word is the option's value unless it names a command.
  const value = next !== undefined && !word.includes("=") && !next.startsWith("-") &&
      !node.commands.some((c) => entryNamed(c, next))
    ? [next]
    : [];
  const rest = argv.filter((_, k) => k !== i && !(value.length && k === i + 1));
  return `: a command's options go after the command (oet ${[...rest, word, ...value].join(" ")})`;
}

/** The fallback of an option not given: its declared one, or no items. */
function fallback(o: AnyOption): unknown {
  if (o.kind === "list") return [];
  return o.fallback;
}

/**
 * One parse of argv: where in the tree the words have led, and what they
 * said. The readers below each take the words of one kind and return the
 * index of the last word they used.
 */
class Reading {
  readonly path: Node[];
  node: Node;
  /** Parsed values by declaration (a list option's are collected). */
  readonly #values = new Map<AnyOption, unknown>();
  /** How each option was typed, for "given twice" and the JSON hint. */
  readonly given = new Map<AnyOption, string>();
  readonly positionals: string[] = [];
  readonly keywords: KeywordWord[] = [];

  constructor(readonly tree: CommandTree, readonly argv: readonly string[]) {
    this.path = [tree.root];
    this.node = tree.root;
  }

  /** The options in scope here: the command's own, the globals, and at the root the root's. */
  scope(): AnyOption[] {
    const own = this.node.kind === "command" ? Object.values(this.node.options as OptionSpecs) : [];
    const rootOnly = this.node === this.tree.root ? Object.values(this.tree.rootOnly) : [];
    return [...own, ...Object.values(this.tree.globals), ...rootOnly];
  }

  usage(message: string, hint = HELP_HINT(this.path)): UsageError {
    return new UsageError(message, { hint });
  }

  /** Records an option's value; the same option twice is a usage error (a list collects). */
  set(option: AnyOption, typed: string, value: unknown): void {
    if (option.kind === "list") {
      const list = (this.#values.get(option) as unknown[] | undefined) ?? [];
      list.push(value);
      this.#values.set(option, list);
      return;
    }
    const before = this.given.get(option);
    if (before !== undefined) {
      throw this.usage(`--${option.long} was given twice (${before} and ${typed}); give it once`);
    }
    this.given.set(option, typed);
    this.#values.set(option, value);
  }

  /**
   * The value of an option, as given or its fallback. The store holds, per
   * declaration, what that declaration's own `parse` returned (a flag's
   * boolean, a list's items), so the value has the declaration's type.
   */
  valueOf<S extends AnyOption>(option: S): OptionValue<S> {
    return (this.#values.has(option) ? this.#values.get(option) : fallback(option)) as OptionValue<
      S
    >;
  }

  /** Parses a value option's text; a bad value is a usage error naming the option. */
  parse(option: AnyOption, flag: string, text: string): unknown {
    if (option.kind === "flag") return undefined;
    if (option.kind === "value" && option.nullable && (text === "None" || text === "null")) {
      return undefined;
    }
    try {
      return option.parse(text);
    } catch (err) {
      throw this.usage(
        `invalid value ${JSON.stringify(text)} for ${flag}: ${(err as Error).message}`,
      );
    }
  }

  /**
   * Reads the value of an option that takes one, given inline (`--pid=2`,
   * `-ojson`) or as the next word (`--pid 2`); returns the last word used.
   */
  takeValue(option: AnyOption, flag: string, i: number, inline: string | undefined): number {
    const word = this.argv[i];
    if (inline !== undefined) {
      this.set(option, word, this.parse(option, flag, inline));
      return i;
    }
    const next = this.argv[i + 1];
    if (next === undefined || isOptionWord(next)) {
      throw this.usage(`${flag} needs a value (<${option.valueName ?? "value"}>)`);
    }
    this.set(option, `${word} ${next}`, this.parse(option, flag, next));
    return i + 1;
  }
}

/**
 * A long option: `--name=value`, `--name value`, `--flag`, `--no-flag`,
 * `--flag=False`, `--flag False`. A name that is not one of oet's is a
 * script keyword where the command takes them, else a usage error.
 */
function readLong(r: Reading, i: number): number {
  const word = r.argv[i];
  const eq = word.indexOf("=");
  const typedName = eq < 0 ? word.slice(2) : word.slice(2, eq);
  const inline = eq < 0 ? undefined : word.slice(eq + 1);
  const name = typedName.replaceAll("_", "-");
  const options = r.scope();
  let match = options.find((o) => o.long === name);
  let negated = false;
  if (!match && name.startsWith("no-")) {
    match = options.find((o) => o.kind === "flag" && o.long === name.slice(3));
    negated = match !== undefined;
  }
  const flag = `--${typedName}`;
  if (!match) return readKeyword(r, i, typedName, inline, options);
  if (match.kind !== "flag") return r.takeValue(match, flag, i, inline);
  if (negated) {
    if (inline !== undefined) {
      throw r.usage(`${flag} takes no value`, `write --${match.long}=${inline} or ${flag}`);
    }
    r.set(match, word, false);
    return i;
  }
  if (inline !== undefined) {
    if (!(inline in BOOL_WORDS)) {
      throw r.usage(
        `invalid value ${JSON.stringify(inline)} for ${flag}: expected True or False`,
        `write ${flag}=True or ${flag}=False (true/false also work), or --no-${match.long}`,
      );
    }
    r.set(match, word, BOOL_WORDS[inline]);
    return i;
  }
  const next = r.argv[i + 1];
  if (next !== undefined && next in BOOL_WORDS) {
    r.set(match, `${word} ${next}`, BOOL_WORDS[next]);
    return i + 1;
  }
  r.set(match, word, true);
  return i;
}

/**
 * A long option that is not one of oet's: a script keyword (`--name=value`,
 * `--name value`, bare `--name` is True) for a command that passes them to
 * a script — unless it is a near-miss of one of oet's own options, which
 * never reaches the telescope. Elsewhere an unknown option.
 */
function readKeyword(
  r: Reading,
  i: number,
  typedName: string,
  inline: string | undefined,
  options: readonly AnyOption[],
): number {
  const word = r.argv[i];
  const near = optionNearMiss(typedName.replaceAll("_", "-"), spellings(options));
  if (!(r.node.kind === "command" && r.node.scriptKeywords)) {
    throw r.usage(
      `unknown option --${typedName}${
        near ? `: did you mean --${near}?` : afterCommand(r.node, r.argv, i)
      }`,
    );
  }
  if (near) {
    throw r.usage(
      `unknown option --${typedName}: did you mean --${near}?`,
      `nothing was sent. To pass a script keyword argument named like an oet option, write --kwarg ${
        typedName.replaceAll("-", "_")
      }=VALUE`,
    );
  }
  if (inline !== undefined) {
    r.keywords.push({ name: typedName, value: inline, typed: word });
    return i;
  }
  const next = r.argv[i + 1];
  if (next !== undefined && !isOptionWord(next) && next !== "--") {
    r.keywords.push({ name: typedName, value: next, typed: `${word} ${next}` });
    return i + 1;
  }
  r.keywords.push({ name: typedName, value: true, typed: word });
  return i;
}

/**
 * A short option: `-o json`, `-ojson`, `-o=json`, or a switch alone (`-h`).
 * Short options are not combined (`-ho`): a usage error that says so.
 */
function readShort(r: Reading, i: number): number {
  const word = r.argv[i];
  const letter = word[1];
  const option = r.scope().find((o) => o.short === letter);
  if (!option) throw r.usage(`unknown option -${letter}${afterCommand(r.node, r.argv, i)}`);
  const flag = `-${letter}`;
  if (option.kind === "flag") {
    if (word.length === 2) {
      r.set(option, word, true);
      return i;
    }
    if (word[2] === "=") throw r.usage(`${flag} takes no value`);
    const apart = [...word.slice(1)].map((l) => `-${l}`).join(" ");
    throw r.usage(`short options cannot be combined: ${word}`, `write them apart: ${apart}`);
  }
  const inline = word.length > 2 ? word.slice(word[2] === "=" ? 3 : 2) : undefined;
  return r.takeValue(option, flag, i, inline);
}

/** A word that is not an option: the next command of a group, else a positional argument. */
async function readWord(r: Reading, word: string): Promise<void> {
  const node = r.node;
  if (node.kind === "command") {
    r.positionals.push(word);
    return;
  }
  const entry = node.commands.find((c) => entryNamed(c, word));
  if (!entry) {
    const near = closest(word, node.commands.map((c) => c.name));
    throw r.usage(
      `unknown command ${JSON.stringify(word)} for ${JSON.stringify(commandPath(r.path))}${
        near ? `: did you mean ${near}?` : ""
      }`,
    );
  }
  const sub: Node = await loadEntry(entry);
  r.node = sub;
  r.path.push(sub);
}

/**
 * Parses `argv` against the tree; throws a UsageError for anything it
 * cannot accept. Loads the module of the command it finds (and no other).
 */
export async function parseArgv<G extends GlobalSpecs, R extends RootSpecs>(
  tree: CommandTree<G, R>,
  argv: readonly string[],
): Promise<Parsed<G & R>> {
  const r = new Reading(tree, argv);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      if (r.node.kind === "group") throw r.usage(`"--" must come after a command`);
      // After a lone `--`, every word is positional.
      r.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (isLongWord(word)) i = readLong(r, i);
    else if (isShortWord(word)) i = readShort(r, i);
    else await readWord(r, word);
  }

  const globals = optionValues({ ...tree.globals, ...tree.rootOnly }, (o) => r.valueOf(o));
  const path = r.path;
  if (globals.help) return { kind: "help", path, globals };
  if (globals.version) return { kind: "version", globals };
  const node = r.node;
  if (node.kind === "group") return { kind: "help", path, globals };

  checkArguments(node, path, r.positionals, r.given);
  const opts = optionValues(node.options as OptionSpecs, (o) => r.valueOf(o));
  return {
    kind: "run",
    path,
    command: node,
    opts,
    globals,
    args: r.positionals,
    keywords: r.keywords,
  };
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
  // `oet procedure list 5`: an id where the command takes it as an option.
  const idOption = Object.values(command.options as OptionSpecs).find((o) =>
    o.long === "pid" || o.long === "aid"
  );
  const idHint = extra.length === 1 && isDigits(extra[0]) && idOption && !given.has(idOption)
    ? `ids go after --${idOption.long}: ${commandPath(path)} --${idOption.long} ${extra[0]}`
    : undefined;
  throw new UsageError(
    `unexpected ${extra.length > 1 ? "arguments" : "argument"}: ${
      extra.map((w) => JSON.stringify(w)).join(" ")
    }`,
    {
      hint: looksLikeJson
        ? `the shell split a JSON value into several words: put it in single quotes, e.g. --script-args='{"init": {"args": [1, "foo"]}}'`
        : idHint ?? HELP_HINT(path),
    },
  );
}
