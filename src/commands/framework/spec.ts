/**
 * How a command is declared: its arguments, options, help text, examples
 * and run function, in one object that the command's own module exports
 * (gh's `pkg/cmd/<group>/<verb>` layout). The CLI layer parses the command
 * line against these declarations, prints help and completion from them,
 * and checks typos against them, so a command is defined in one place only.
 *
 * Options are declared with the builders below and keyed by the property
 * name the run function reads (`pid`, `runAbort`); the types of the parsed
 * values follow from the declarations.
 */

import type { CommandContext } from "./command_context.ts";

/** What every option declaration has. */
interface BaseOption {
  /** The long name with dashes (`run-abort`); `--run_abort` is accepted too. */
  readonly long: string;
  /** A one-letter short name (`o` for `-o`). */
  readonly short?: string;
  /** One line for `--help`: what it does, and its default. */
  readonly help: string;
  /** The value placeholder in help (`id` → `--pid <id>`). */
  readonly valueName?: string;
  /** The accepted values, for help and shell completion. */
  readonly choices?: readonly string[];
  /** What a shell may complete the value with. */
  readonly complete?: "pid" | "aid" | "file" | "shell" | "context";
  /** Left out of help and completion (still accepted). */
  readonly hidden?: boolean;
}

/** An option that takes one value: `--pid 2`, `--pid=2`. */
export interface ValueOption<T, R = T | undefined> extends BaseOption {
  readonly kind: "value";
  /** Turns the typed text into the value; throws an Error whose message says what was expected. */
  parse(text: string): T;
  /** The value when the option is not given. */
  readonly fallback: R;
  /**
   * The reference doc lists this option's default as None: `None`/`null`
   * mean "not given" (`--git_commit=None` sends no commit).
   */
  readonly nullable?: boolean;
}

/**
 * A Python-style boolean: a bare `--listen` is True, `--no-listen` False,
 * and `--listen=False` / `--listen False` take the reference doc's words.
 */
export interface FlagOption<F extends boolean | undefined = boolean> extends BaseOption {
  readonly kind: "flag";
  /** The value when not given; `undefined` when "not given" must differ from False (`context set --protected=False`). */
  readonly fallback: F;
  /** A plain switch (`--help`, `--verbose`): help shows no `[=<bool>]`. */
  readonly switch?: boolean;
}

/** An option that may be given many times: `--topic a --topic b`. */
export interface ListOption<T> extends BaseOption {
  readonly kind: "list";
  parse(text: string): T;
}

/** Any option declaration. */
export type AnyOption =
  // deno-lint-ignore no-explicit-any
  | ValueOption<any, any>
  | FlagOption<boolean | undefined>
  // deno-lint-ignore no-explicit-any
  | ListOption<any>;

/** The parsed value of one option declaration. */
export type OptionValue<S> = S extends FlagOption<infer F> ? boolean | F
  : S extends ValueOption<infer _T, infer R> ? R
  : S extends ListOption<infer T> ? T[]
  : never;

/** The option declarations of a command, by property name. */
export type OptionSpecs = Record<string, AnyOption>;

/** The parsed values of a command's options, by property name. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]: OptionValue<O[K]> };

/**
 * A command's option values, each read by `valueOf` from its declaration:
 * the parser's values, typed by the declarations that produced them.
 */
export function optionValues<O extends OptionSpecs>(
  specs: O,
  valueOf: <S extends AnyOption>(spec: S) => OptionValue<S>,
): OptionValues<O> {
  const out: Partial<OptionValues<O>> = {};
  for (const key in specs) out[key] = valueOf(specs[key]);
  return out as OptionValues<O>;
}

/** A positional argument. */
export interface ArgSpec {
  /** As shown in usage: `script-uri` → `<script-uri>`. */
  readonly name: string;
  readonly help: string;
  /** Missing → usage error. */
  readonly required?: boolean;
  /** Takes every remaining word (only the last argument). */
  readonly variadic?: boolean;
  /** What a shell may complete it with: the names of the contexts. */
  readonly complete?: "context";
}

/**
 * One script keyword argument from the command line: `--name=value`,
 * `--name value`, a bare `--name` (value `true`), or `--kwarg name=value`.
 */
export interface KeywordWord {
  /** The name as typed (`subarray-id`, `subarray_id`). */
  readonly name: string;
  readonly value: string | true;
  /** The words as typed, for messages. */
  readonly typed: string;
}

/**
 * The one rule for a script keyword argument's name, however it is given
 * (`--name=value` or `--kwarg name=value`): a Python identifier, with `-`
 * allowed for `_` (the reference client turned hyphens into underscores).
 */
export function isKeywordName(name: string): boolean {
  return /^[A-Za-z_][\w-]*$/.test(name);
}

/** What a command's run function receives. */
export interface Invocation<O extends OptionSpecs> {
  readonly opts: OptionValues<O>;
  /** The positional words, in order (the declared arguments, then any variadic rest). */
  readonly args: readonly string[];
  /** Script keyword arguments, in order (commands that pass them to a script). */
  readonly keywords: readonly KeywordWord[];
}

/** A leaf command: something `oet` can run. */
export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  readonly kind: "command";
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for the parent's command list. */
  readonly summary: string;
  /** The paragraph at the top of `--help` (defaults to the summary). */
  readonly description?: string;
  readonly args?: readonly ArgSpec[];
  readonly options: O;
  /**
   * Unknown `--name[=value]` words are script keyword arguments (create,
   * start), unless they are within a typo of one of oet's own options.
   */
  readonly scriptKeywords?: boolean;
  /** Commented examples (`# what it does` lines, then the command). */
  readonly examples: string;
  /** Extra help sections after the examples. */
  readonly notes?: string;
  /** Talks to the server (so the global server options apply). */
  readonly usesServer?: boolean;
  /** Left out of help and completion (`oet __complete`, for the completion scripts). */
  readonly hidden?: boolean;
  run(ctx: CommandContext, input: Invocation<O>): Promise<void>;
}

/** A command group (`procedure`, `activity`): only a list of commands. */
export interface GroupSpec {
  readonly kind: "group";
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly examples: string;
  readonly commands: readonly TreeEntry[];
}

/**
 * What a command's module declares: everything but the words that place it
 * in the tree (name, aliases, summary, hidden), which the entry in its
 * group holds, written once there (`lazyCommand`).
 */
export type CommandDeclaration<O extends OptionSpecs = OptionSpecs> = Omit<
  CommandSpec<O>,
  "kind" | "name" | "aliases" | "summary" | "hidden"
>;

/** What a group's entry says about a command besides its name and summary. */
export interface EntryOptions {
  readonly aliases?: readonly string[];
  /** Left out of help and completion (`oet __complete`). */
  readonly hidden?: boolean;
}

/**
 * A command whose module is loaded only when it is used: start-up loads
 * the modules of the command that runs and nothing else (`oet procedure
 * list` never loads the event stream reader). The group's entry holds the
 * command's name, aliases and one-line summary, and nothing else does: a
 * group's help lists its commands without loading them (`oet --help` would
 * otherwise load every module of `doctor`, `listen` and `status`, about
 * 13 ms), and the module declares the rest (`CommandDeclaration`).
 */
export interface LazyCommand extends EntryOptions {
  readonly kind: "lazy";
  readonly name: string;
  readonly summary: string;
  /** The command: its module's declaration, named by this entry. */
  load(): Promise<AnyCommand>;
}

/** An entry of a group: a command, a group, or a command not loaded yet. */
export type TreeEntry = AnyCommand | GroupSpec | LazyCommand;

/** A command as the tree holds it, whatever its option types. */
// deno-lint-ignore no-explicit-any
export type AnyCommand = CommandSpec<any>;

/** A command's declaration, whatever its option types. */
// deno-lint-ignore no-explicit-any
export type AnyDeclaration = CommandDeclaration<any>;

/** Declares a command (the identity; it gives the run function its types). */
export function defineCommand<O extends OptionSpecs>(
  spec: CommandDeclaration<O>,
): CommandDeclaration<O> {
  return spec;
}

/** A command of the tree: a declaration with the words its group gives it. */
export function namedCommand<O extends OptionSpecs>(
  name: string,
  summary: string,
  declaration: CommandDeclaration<O>,
  options: EntryOptions = {},
): CommandSpec<O> {
  return { kind: "command", ...declaration, name, summary, ...options };
}

/** Declares a command group. */
export function defineGroup(spec: Omit<GroupSpec, "kind">): GroupSpec {
  return { kind: "group", ...spec };
}

/**
 * A group's entry for a command whose module `load` imports when the
 * command is used (or its help shown): one call in the group's list.
 */
export function lazyCommand(
  name: string,
  summary: string,
  load: () => Promise<AnyDeclaration>,
  options: EntryOptions = {},
): LazyCommand {
  let loaded: Promise<AnyCommand> | undefined;
  return {
    kind: "lazy",
    name,
    summary,
    ...options,
    load: () => loaded ??= load().then((d) => namedCommand(name, summary, d, options)),
  };
}

/** True for an entry left out of help and completion. */
export function isHidden(entry: TreeEntry): boolean {
  return entry.kind !== "group" && entry.hidden === true;
}

/** A tree entry, loaded. */
export async function loadEntry(entry: TreeEntry): Promise<AnyCommand | GroupSpec> {
  return entry.kind === "lazy" ? await entry.load() : entry;
}

/** True when a word names this entry (its name or an alias). */
export function entryNamed(entry: TreeEntry, word: string): boolean {
  return entry.name === word ||
    (entry.kind !== "group" && (entry.aliases?.includes(word) ?? false));
}

/** The words a Python-style boolean option accepts, as the reference doc writes them. */
export const BOOL_WORDS: Readonly<Record<string, boolean>> = {
  True: true,
  true: true,
  False: false,
  false: false,
};

/** Declares a value option. */
export function valueOption<T>(
  long: string,
  help: string,
  parse: (text: string) => T,
  more: Partial<Omit<ValueOption<T>, "kind" | "long" | "help" | "parse" | "fallback">> = {},
): ValueOption<T> {
  return { kind: "value", long, help, parse, fallback: undefined, ...more };
}

/** Declares a value option with a default value. */
export function defaultedOption<T>(
  long: string,
  help: string,
  parse: (text: string) => T,
  fallback: T,
  more: Partial<Omit<ValueOption<T, T>, "kind" | "long" | "help" | "parse" | "fallback">> = {},
): ValueOption<T, T> {
  return { kind: "value", long, help, parse, fallback, ...more };
}

/** Declares a Python-style boolean option. */
export function flagOption(long: string, help: string, fallback: boolean): FlagOption {
  return { kind: "flag", long, help, fallback };
}

/**
 * Declares a boolean option that may be left unset: `--protected` (True),
 * `--no-protected` or `--protected=False` (False), absent (undefined), for
 * a setting that keeps its value unless the command line says otherwise.
 */
export function unsetFlagOption(long: string, help: string): FlagOption<undefined> {
  return { kind: "flag", long, help, fallback: undefined };
}

/** Declares a plain switch: `--verbose` (off unless given). */
export function switchOption(long: string, help: string, short?: string): FlagOption {
  return { kind: "flag", long, help, fallback: false, switch: true, short };
}

/** Declares a repeatable option. */
export function listOption<T>(
  long: string,
  help: string,
  parse: (text: string) => T,
  more: Partial<Omit<ListOption<T>, "kind" | "long" | "help" | "parse">> = {},
): ListOption<T> {
  return { kind: "list", long, help, parse, ...more };
}
