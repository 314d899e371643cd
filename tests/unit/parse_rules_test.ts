/**
 * Every rule of the parser's header (src/cli/parse.ts), one table row per
 * case, against a small tree of its own (so the rules, not today's
 * commands, are what is tested; tests/unit/parse_test.ts holds the real
 * commands' spellings).
 */

import assert from "node:assert/strict";
import { type CommandTree, parseArgv } from "../../src/cli/parse.ts";
import {
  defineGroup,
  flagOption,
  listOption,
  namedCommand,
  switchOption,
  valueOption,
} from "../../src/commands/framework/spec.ts";
import { UsageError } from "../../src/domain/errors.ts";

const positive = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error("expected a positive whole number");
  return n;
};
const number = (text: string) => {
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error("expected a number");
  return n;
};

const noop = () => Promise.resolve();

const run = namedCommand("run", "a command that passes keywords to a script", {
  args: [{ name: "name", required: true, help: "a name" }, {
    name: "rest",
    variadic: true,
    help: "more",
  }],
  options: {
    pid: valueOption("pid", "an id", positive, { valueName: "id", nullable: true }),
    offset: valueOption("offset", "a number", number),
    output: valueOption("output", "a form", (t) => t, { short: "o" }),
    listen: flagOption("listen", "a Python boolean", true),
    runAbort: flagOption("run-abort", "a Python boolean", false),
    kwarg: listOption("kwarg", "a keyword", (t) => t),
  },
  scriptKeywords: true,
  examples: "",
  run: noop,
});

const list = namedCommand("list", "a command that takes no keywords", {
  options: {
    pid: valueOption("pid", "an id", positive),
    verbose: switchOption("verbose", "more", "v"),
  },
  examples: "",
  run: noop,
});

const tree: CommandTree = {
  root: defineGroup({
    name: "oet",
    summary: "root",
    examples: "",
    commands: [
      defineGroup({ name: "grp", summary: "a group", examples: "", commands: [run, list] }),
    ],
  }),
  globals: {
    serverUrl: valueOption("server-url", "a URL", (t) => t),
    help: switchOption("help", "help", "h"),
  },
  rootOnly: { version: switchOption("version", "version", "V") },
};

/** What a row expects: some of the parse's fields, or a usage error (message, hint). */
type Expect =
  | {
    kind?: "run" | "help" | "version";
    opts?: Record<string, unknown>;
    globals?: Record<string, unknown>;
    args?: string[];
    keywords?: [string, string | true][];
  }
  | { error: RegExp; hint?: RegExp };

const rows: [rule: string, argv: string, expect: Expect][] = [
  // Options take --name=value or --name value.
  ["--name=value", "grp run x --pid=2", { opts: { pid: 2 } }],
  ["--name value", "grp run x --pid 2", { opts: { pid: 2 } }],
  ["a value may contain =", "grp run x --output=a=b", { opts: { output: "a=b" } }],
  ["a value option needs a value", "grp run x --pid", { error: /--pid needs a value \(<id>\)/ }],
  ["an option word is not a value", "grp run x --pid --listen", { error: /--pid needs a value/ }],
  ["a bad value names the option", "grp run x --pid=0", {
    error: /invalid value "0" for --pid: expected a positive whole number/,
  }],
  // _ and - are alike in option names.
  ["_ for -", "grp run x --run_abort", { opts: { runAbort: true } }],
  ["- as declared", "grp run x --run-abort", { opts: { runAbort: true } }],
  // Short options: -o json, -ojson, -o=json; not combined.
  ["-o value", "grp run x -o json", { opts: { output: "json" } }],
  ["-ovalue", "grp run x -ojson", { opts: { output: "json" } }],
  ["-o=value", "grp run x -o=json", { opts: { output: "json" } }],
  ["-o needs a value", "grp run x -o", { error: /-o needs a value/ }],
  ["-o does not take an option word", "grp run x -o -h", { error: /-o needs a value/ }],
  ["a switch alone", "grp list -v", { opts: { verbose: true } }],
  ["short options are not combined", "grp list -vh", {
    error: /short options cannot be combined: -vh/,
    hint: /write them apart: -v -h/,
  }],
  ["-ho: not combined either", "grp run x -ho", {
    error: /short options cannot be combined: -ho/,
    hint: /-h -o/,
  }],
  ["-h -o json is help", "grp run x -h -o json", { kind: "help" }],
  ["a switch takes no value", "grp list -v=1", { error: /-v takes no value/ }],
  ["an unknown short option", "grp list -x", { error: /unknown option -x/ }],
  // A value may be a negative number.
  ["--name -1", "grp run x --offset -1", { opts: { offset: -1 } }],
  ["--name -.5", "grp run x --offset -.5", { opts: { offset: -0.5 } }],
  ["a negative number is a positional", "grp run x -5", { args: ["x", "-5"] }],
  ["so is -.5", "grp run x -.5", { args: ["x", "-.5"] }],
  ["-. is not a number: an unknown short option", "grp run x -.", { error: /unknown option -\./ }],
  // Python booleans.
  ["a bare flag is True", "grp run x --run-abort", { opts: { runAbort: true } }],
  ["a flag not given: its default", "grp run x", { opts: { runAbort: false, listen: true } }],
  ["--no-flag is False", "grp run x --no-listen", { opts: { listen: false } }],
  ["--flag=False", "grp run x --listen=False", { opts: { listen: false } }],
  ["--flag=false", "grp run x --listen=false", { opts: { listen: false } }],
  ["--flag True", "grp run x --listen True", { opts: { listen: true } }],
  ["--flag False", "grp run x --listen False", { opts: { listen: false } }],
  ["a bare flag does not take another word", "grp run x --listen bob", {
    opts: { listen: true },
    args: ["x", "bob"],
  }],
  ["only the documented words", "grp run x --listen=yes", {
    error: /invalid value "yes" for --listen: expected True or False/,
    hint: /--listen=True or --listen=False \(true\/false also work\), or --no-listen/,
  }],
  ["--no-flag takes no value", "grp run x --no-listen=True", {
    error: /--no-listen takes no value/,
    hint: /write --listen=True or --no-listen/,
  }],
  // Options anywhere after their command; globals anywhere.
  ["options before the arguments", "grp run --pid 2 x", { opts: { pid: 2 }, args: ["x"] }],
  ["a global before the command", "--server-url u grp list", { globals: { serverUrl: "u" } }],
  ["a global after the command", "grp list --server-url=u", { globals: { serverUrl: "u" } }],
  ["a command's option before the command", "grp --pid 2 list", {
    error: /unknown option --pid/,
  }],
  ["--help anywhere", "grp list --pid 2 --help", { kind: "help" }],
  ["a group alone is help", "grp", { kind: "help" }],
  ["--version at the root", "--version", { kind: "version" }],
  ["-V at the root", "-V", { kind: "version" }],
  ["--version only at the root", "grp list --version", { error: /unknown option --version/ }],
  // Script keywords: unknown --name[=value] words, unless a near-miss.
  ["--k=v is a keyword", "grp run x --subarray_id=3", { keywords: [["subarray_id", "3"]] }],
  ["--k v is a keyword", "grp run x --subarray-id 3", { keywords: [["subarray-id", "3"]] }],
  ["a bare --k is True", "grp run x --dry-run", { keywords: [["dry-run", true]] }],
  ["--k takes a negative number", "grp run x --neg -5", { keywords: [["neg", "-5"]] }],
  ["--k before an option is True", "grp run x --dry --pid 2", {
    keywords: [["dry", true]],
    opts: { pid: 2 },
  }],
  ["--k before -- is True", "grp run x --dry -- y", {
    keywords: [["dry", true]],
    args: ["x", "y"],
  }],
  ["a near-miss never reaches the script", "grp run x --pdi=2", {
    error: /unknown option --pdi: did you mean --pid\?/,
    hint: /nothing was sent.*--kwarg pdi=VALUE/,
  }],
  ["a near-miss with _", "grp run x --run_abortt", {
    error: /did you mean --run-abort\?/,
    hint: /--kwarg run_abortt=VALUE/,
  }],
  ["--kwarg NAME=VALUE, repeatable", "grp run x --kwarg pid=1 --kwarg=b=2", {
    opts: { kwarg: ["pid=1", "b=2"], pid: undefined },
  }],
  ["no keywords elsewhere: did-you-mean", "grp list --pdi 2", {
    error: /unknown option --pdi: did you mean --pid\?/,
    hint: /see: oet grp list --help/,
  }],
  ["no keywords elsewhere", "grp list --subarray=3", { error: /unknown option --subarray$/ }],
  // After a lone --, every word is positional.
  ["-- ends options", "grp run x -- --pid -o", {
    args: ["x", "--pid", "-o"],
    opts: { pid: undefined },
  }],
  ["-- before a command", "-- grp", { error: /"--" must come after a command/ }],
  // An option given twice is a usage error.
  ["twice", "grp run x --pid 2 --pid=3", {
    error: /--pid was given twice \(--pid 2 and --pid=3\); give it once/,
  }],
  ["twice as _ and -", "grp run x --run_abort --run-abort", {
    error: /--run-abort was given twice/,
  }],
  ["twice as flag and --no-", "grp run x --listen --no-listen", {
    error: /--listen was given twice/,
  }],
  // None/null where the default is None.
  ["None is not given", "grp run x --pid=None", { opts: { pid: undefined } }],
  ["null is not given", "grp run x --pid null", { opts: { pid: undefined } }],
  ["None elsewhere is a value", "grp list --pid None", { error: /invalid value "None" for --pid/ }],
  // Commands and arguments.
  ["an unknown command, with a suggestion", "grp lst", {
    error: /unknown command "lst" for "oet grp": did you mean list\?/,
  }],
  ["a missing argument", "grp run", { error: /missing argument <name>/ }],
  ["an extra argument", "grp list a", { error: /unexpected argument: "a"/ }],
  ["a variadic rest", "grp run a b c", { args: ["a", "b", "c"] }],
];

for (const [rule, line, expect] of rows) {
  Deno.test(`parser rule: ${rule} (${line})`, async () => {
    const argv = line.split(" ").filter(Boolean);
    let parsed;
    try {
      parsed = await parseArgv(tree, argv);
    } catch (err) {
      if (!("error" in expect)) throw err;
      assert.ok(err instanceof UsageError, `${line}: ${err}`);
      assert.match(err.message, expect.error);
      if (expect.hint) assert.match(err.hint ?? "", expect.hint);
      return;
    }
    assert.ok(!("error" in expect), `${line}: expected a usage error, got ${parsed.kind}`);
    assert.equal(parsed.kind, expect.kind ?? "run");
    for (const [key, value] of Object.entries(expect.globals ?? {})) {
      assert.deepEqual((parsed.globals as Record<string, unknown>)[key], value, key);
    }
    if (parsed.kind !== "run") return;
    for (const [key, value] of Object.entries(expect.opts ?? {})) {
      assert.deepEqual(parsed.opts[key], value, key);
    }
    if (expect.args) assert.deepEqual(parsed.args, expect.args);
    const keywords = parsed.keywords.map((k) => [k.name, k.value]);
    assert.deepEqual(keywords, expect.keywords ?? []);
  });
}
