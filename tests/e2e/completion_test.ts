/**
 * `oet completion bash|zsh|fish`: each script passes its shell's syntax check
 * (`-n`) and completes groups, verbs and options. The scripts come from a real
 * `oet` process (tests/support/spawn.ts), so with `OET_BINARY` set they are
 * the compiled binary's. A shell that is not installed is reported as an
 * ignored test saying so, never as a pass.
 */

import assert from "node:assert/strict";
import type { Node } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import { type AnyOption, isHidden, loadEntry } from "../../src/commands/framework/spec.ts";
import { oetCommand, type Ran, runCommand, shQuote, which } from "../support/spawn.ts";
import { runOetProcess } from "../support/spawn.ts";
import { withSim } from "../support/sim.ts";
import type { Simulator } from "../../sim/src/server.ts";

/**
 * What completion must offer at one command path, read from the command
 * tree's declarations (never written out here, so a new command or option
 * needs no edit to this file): a group's visible commands, and every long
 * option that works there.
 */
interface Offer {
  /** The command words after `oet` (none for the root). */
  words: string[];
  /** A group's visible commands, in tree order (none for a command). */
  commands: string[];
  /** The long options, in the order help lists them: the command's, the global ones, the root's. */
  options: string[];
}

/**
 * The long spellings of visible options: `--name`, and `--no-name` too for a
 * boolean whose default is not False (a `--no-` turns it off).
 */
function longSpellings(options: Record<string, AnyOption>): string[] {
  return Object.values(options).filter((o) => !o.hidden).flatMap((o) =>
    o.kind === "flag" && o.fallback !== false ? [`--${o.long}`, `--no-${o.long}`] : [`--${o.long}`]
  );
}

/** Every visible path of the tree with what completion must offer there (loads every command). */
async function treeOffers(): Promise<Offer[]> {
  const tree = buildTree();
  const globals = longSpellings(tree.globals);
  const out: Offer[] = [];
  const visit = async (node: Node, words: string[]) => {
    const own = node.kind === "command" ? longSpellings(node.options) : [];
    const root = words.length ? [] : longSpellings(tree.rootOnly);
    out.push({
      words,
      commands: node.kind === "group"
        ? node.commands.filter((c) => !isHidden(c)).map((c) => c.name)
        : [],
      options: [...new Set([...own, ...globals, ...root])],
    });
    if (node.kind !== "group") return;
    for (const entry of node.commands) {
      if (!isHidden(entry)) await visit(await loadEntry(entry), [...words, entry.name]);
    }
  };
  await visit(tree.root, []);
  return out;
}

const OFFERS = await treeOffers();

/** What completion must offer after `oet <path>` (a path of the tree). */
function offerAt(path: string): Offer {
  const offer = OFFERS.find((o) => o.words.join(" ") === path);
  assert.ok(offer, `no command path "oet ${path}" in the tree`);
  return offer;
}

/** The words of `list` that start with `prefix`, as a shell offers them (space-separated). */
function starting(list: string[], prefix: string): string {
  return list.filter((w) => w.startsWith(prefix)).join(" ");
}

/** The top-level commands a user sees, in tree order (the scripts must offer exactly these). */
const TOP = offerAt("").commands;

Deno.test("completion: the expectations come from the tree, and it is the real one", () => {
  // Spot checks, written out, so that the derivation above cannot be vacuous.
  assert.ok(OFFERS.length >= 30, `${OFFERS.length} paths`);
  assert.ok(TOP.includes("procedure") && TOP.includes("activity") && !TOP.includes("__complete"));
  assert.ok(offerAt("procedure").commands.includes("list"));
  assert.ok(offerAt("procedure").commands.includes("start"));
  assert.ok(offerAt("procedure list").options.includes("--output"));
  assert.ok(offerAt("procedure list").options.includes("--pid"));
  assert.ok(
    offerAt("activity run").options.includes("--no-listen"),
    "a flag that defaults to True",
  );
  assert.ok(!offerAt("procedure list").options.includes("--no-help"), "a switch has no --no-");
  assert.ok(
    offerAt("").options.includes("--version") && !offerAt("auth").options.includes("--version"),
  );
  for (const global of ["--server-url", "--context", "--request-timeout", "--help"]) {
    assert.ok(offerAt("context use").options.includes(global), global);
  }
});

/** The script `oet completion <shell>` prints, saved to a temp file. */
async function scriptFile(shell: string): Promise<string> {
  const r = await runOetProcess(["completion", shell]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const path = await Deno.makeTempFile({ prefix: `oet-completion-`, suffix: `.${shell}` });
  await Deno.writeTextFile(path, r.stdout);
  return path;
}

/** Runs a shell with a clean environment; returns its status and output. */
function runShell(shell: string, args: string[]): Promise<Ran> {
  return runCommand(shell, args, {
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" },
    clearEnv: true,
  });
}

/** A test that needs `shell`; without it, one ignored test that says why. */
function shellTest(shell: string, name: string, fn: (file: string) => Promise<void>): void {
  const found = which(shell);
  Deno.test({
    name: found
      ? `completion ${shell}: ${name}`
      : `completion ${shell}: ${name}: SKIPPED — ${shell} is not on PATH ` +
        `(Debian: apt-get install --no-install-recommends ${shell})`,
    ignore: !found,
    async fn() {
      const file = await scriptFile(shell);
      try {
        await fn(file);
      } finally {
        await Deno.remove(file);
      }
    },
  });
}

shellTest("bash", "the script passes bash -n", async (file) => {
  const r = await runShell("bash", ["-n", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
});

/**
 * Bash's view of a command line being completed: COMP_WORDS as readline
 * splits it (COMP_WORDBREAKS splits at `:` and `=` too), the cursor on the
 * last word.
 */
const BASH_CASES: [string[], string][] = [
  [["oet", "proc"], starting(TOP, "proc")],
  [["oet", "procedure", "st"], starting(offerAt("procedure").commands, "st")],
  [["oet", "pro"], starting(TOP, "pro")],
  [["oet", "a"], starting(TOP, "a")],
  [["oet", "activity", "r"], starting(offerAt("activity").commands, "r")],
  [["oet", "procedure", "list", "--p"], starting(offerAt("procedure list").options, "--p")],
  [
    ["oet", "--server-url", "http", ":", "//127.0.0.1", "procedure", "st"],
    starting(offerAt("procedure").commands, "st"),
  ],
  [
    ["oet", "procedure", "stop", "--pid", "3", "--run"],
    starting(offerAt("procedure stop").options, "--run"),
  ],
  [["oet", "completion", ""], "bash zsh fish"],
  [["oet", "procedure", "list", "x"], ""],
];

shellTest(
  "bash",
  "complete -F _oet oet; oet proc<TAB>, oet procedure st<TAB> and more",
  async (file) => {
    // No bash-completion package, no rc files: the script stands alone.
    const calls = BASH_CASES.map(([words]) =>
      `COMP_WORDS=(${words.map(shQuote).join(" ")}); COMP_CWORD=${words.length - 1}; ` +
      `COMPREPLY=(); _oet; echo "[\${COMPREPLY[*]}]"`
    );
    const r = await runShell("bash", [
      "--norc",
      "--noprofile",
      "-c",
      `source ${shQuote(file)}; complete -p oet; ${calls.join("; ")}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "complete -F _oet oet");
    assert.deepEqual(
      lines.slice(1),
      BASH_CASES.map(([, want]) => `[${want}]`),
      BASH_CASES.map(([w]) => w.join(" ")).join(" | "),
    );
    // Spot checks, written out: the prefixes above do match something.
    const offered = (line: string) => line.slice(1, -1).split(" ");
    assert.deepEqual(offered(lines[1]), ["procedure"]);
    assert.ok(offered(lines[2]).includes("start") && offered(lines[2]).includes("stop"), lines[2]);
    assert.ok(offered(lines[6]).includes("--pid"), lines[6]);
    assert.ok(offered(lines[8]).includes("--run-abort"), lines[8]);
  },
);

shellTest("zsh", "the script passes zsh -n", async (file) => {
  const r = await runShell("zsh", ["-n", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
});

shellTest(
  "zsh",
  "sourced, it registers _oet and offers the words of the typed path",
  async (file) => {
    // compdef and compadd exist only inside zsh's completion system: stand-ins
    // print what they were given (zsh itself filters compadd's words by prefix).
    const r = await runShell("zsh", [
      "-f",
      "-c",
      `compdef() { print -r -- "compdef $*"; }; source ${shQuote(file)}; ` +
      // The function must leave PATH alone (zsh ties $path to it).
      `saved=$PATH; compadd() { shift; print -r -- "$*"; [[ $PATH == "$saved" ]] || print PATH=$PATH; }; ` +
      `words=(oet procedure st); CURRENT=3; _oet; ` +
      `words=(oet procedure list --p); CURRENT=4; _oet; ` +
      `words=(oet proc); CURRENT=2; _oet`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.stdout.trimEnd().split("\n"), [
      "compdef _oet oet",
      offerAt("procedure").commands.join(" "),
      offerAt("procedure list").options.join(" "),
      TOP.join(" "),
    ]);
  },
);

shellTest("fish", "the script passes fish -n", async (file) => {
  const r = await runShell("fish", ["--no-config", "-n", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
});

shellTest("fish", "complete -C completes oet proc, oet procedure st, options", async (file) => {
  const r = await runShell("fish", [
    "--no-config",
    "-c",
    `source ${shQuote(file)}; ` +
    `for line in 'oet proc' 'oet procedure st' 'oet procedure list --p' 'oet ' ` +
    `'oet --server-url http://127.0.0.1 activity r'; ` +
    `set -l words (complete -C $line); echo "[$words]"; end`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  // fish sorts what it offers.
  const sorted = (words: string) => words.split(" ").sort().join(" ");
  assert.deepEqual(r.stdout.trimEnd().split("\n"), [
    `[${starting(TOP, "proc")}]`,
    `[${sorted(starting(offerAt("procedure").commands, "st"))}]`,
    `[${sorted(starting(offerAt("procedure list").options, "--p"))}]`,
    `[${[...TOP].sort().join(" ")}]`,
    `[${sorted(starting(offerAt("activity").commands, "r"))}]`,
  ]);
});

/**
 * At every visible path of the tree, `oet <path> <TAB>` offers exactly the
 * group's commands and `oet <path> --<TAB>` exactly the long options that
 * work there (compared as sets: fish sorts). The cases are the tree's, so a
 * new command or option is checked here without an edit.
 */
const EVERY_PATH: { words: string[]; want: string[] }[] = OFFERS.flatMap((o) => [
  ...(o.commands.length ? [{ words: [...o.words, ""], want: o.commands }] : []),
  { words: [...o.words, "--"], want: o.options },
]);

/** What one shell printed for EVERY_PATH, one `[…]` line each, against what the tree says. */
function assertEveryPath(r: Ran): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const got = r.stdout.trimEnd().split("\n").map((l) => l.replace(/^\[|\]$/g, ""));
  const asSet = (words: string[]) => words.filter((w) => w).sort().join(" ");
  assert.deepEqual(
    got.map((line, i) => `oet ${EVERY_PATH[i]?.words.join(" ")}: ${asSet(line.split(" "))}`),
    EVERY_PATH.map(({ words, want }) => `oet ${words.join(" ")}: ${asSet(want)}`),
  );
}

shellTest("bash", "every path of the tree: its commands and options, exactly", async (file) => {
  const calls = EVERY_PATH.map(({ words }) =>
    `COMP_WORDS=(oet ${words.map(shQuote).join(" ")}); COMP_CWORD=${words.length}; ` +
    `COMPREPLY=(); _oet; echo "[\${COMPREPLY[*]}]"`
  );
  assertEveryPath(
    await runShell("bash", [
      "--norc",
      "--noprofile",
      "-c",
      `source ${shQuote(file)}; ${calls.join("; ")}`,
    ]),
  );
});

shellTest("zsh", "every path of the tree: its commands and options, exactly", async (file) => {
  const calls = EVERY_PATH.map(({ words }) =>
    `words=(oet ${words.map(shQuote).join(" ")}); CURRENT=${words.length + 1}; _oet`
  );
  assertEveryPath(
    await runShell("zsh", [
      "-f",
      "-c",
      `compdef() { :; }; source ${shQuote(file)}; compadd() { shift; print -r -- "[$*]"; }; ` +
      calls.join("; "),
    ]),
  );
});

shellTest("fish", "every path of the tree: its commands and options, exactly", async (file) => {
  const lines = EVERY_PATH.map(({ words }) => ["oet", ...words].join(" "));
  // fish also runs the context-name source (`oet __complete context`) while
  // completing some of these: an `oet` on PATH that knows no names.
  const bin = await Deno.makeTempDir({ prefix: "oet-bin-" });
  try {
    await Deno.writeTextFile(`${bin}/oet`, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(`${bin}/oet`, 0o755);
    assertEveryPath(
      await runCommand("fish", [
        "--no-config",
        "-c",
        `source ${shQuote(file)}; for line in ${lines.map(shQuote).join(" ")}; ` +
        `set -l words (complete -C $line); echo "[$words]"; end`,
      ], {
        env: {
          PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
          HOME: Deno.env.get("HOME") ?? "/tmp",
        },
        clearEnv: true,
      }),
    );
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

/**
 * A directory with an `oet` on it that runs this checkout as the tests do,
 * for the completion scripts' `command oet __complete …`.
 */
async function oetOnPath(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "oet-bin-" });
  const [program, lead] = oetCommand();
  await Deno.writeTextFile(
    `${dir}/oet`,
    `#!/bin/sh\nexec ${[program, ...lead].map(shQuote).join(" ")} "$@"\n`,
  );
  await Deno.chmod(`${dir}/oet`, 0o755);
  return dir;
}

/**
 * A simulator of `flavor` holding `procedures` procedures (created in turn)
 * and, with `activity`, then the activity `hello`; an `oet` on PATH that runs
 * this checkout; and the clean environment the shells run in, naming that
 * server.
 */
async function onServer(
  flavor: "v5" | "v7",
  o: { procedures?: number; activity?: boolean },
  fn: (env: Record<string, string>, sim: Simulator) => Promise<void>,
): Promise<void> {
  await withSim(flavor, async (sim) => {
    for (let i = 0; i < (o.procedures ?? 0); i++) {
      const c = await runOetProcess(["procedure", "create", "file:///scripts/hello_world.py"], {
        env: { OET_REST_URI: sim.baseUrl },
      });
      assert.equal(c.code, 0, c.stderr);
    }
    if (o.activity) {
      const a = await runOetProcess([
        "activity",
        "run",
        "hello",
        "sbd-t0001-20250403-00001",
        "--listen=False",
      ], {
        env: { OET_REST_URI: sim.baseUrl },
      });
      assert.equal(a.code, 0, a.stderr);
    }
    const bin = await oetOnPath();
    try {
      await fn({
        PATH: `${bin}:${Deno.env.get("PATH")}`,
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_PROXY: "127.0.0.1,localhost",
        OET_REST_URI: sim.baseUrl,
      }, sim);
    } finally {
      await Deno.remove(bin, { recursive: true });
    }
  });
}

/**
 * One bash completion of `words`, the cursor on the last: COMP_WORDS as
 * readline splits it, COMP_LINE the words joined by `join` (`--pid=` is
 * split at the `=` but typed whole); echoes `[COMPREPLY]`.
 */
function bashCompletion(words: string[], join = " "): string {
  return `COMP_WORDS=(${words.map(shQuote).join(" ")}); COMP_CWORD=${words.length - 1}; ` +
    `COMP_LINE=${shQuote(words.join(join))}; COMPREPLY=(); _oet; echo "[\${COMPREPLY[*]}]"`;
}

/** bash with only `file` sourced (clean `env`), then each of `calls`; the lines it printed. */
async function bashOffers(
  file: string,
  calls: string[],
  env: Record<string, string>,
): Promise<string[]> {
  const r = await runCommand("bash", [
    "--norc",
    "--noprofile",
    "-c",
    `source ${shQuote(file)}; ${calls.join("; ")}`,
  ], { env, clearEnv: true });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split("\n");
}

/**
 * zsh with `file` sourced (clean `env`) and a compadd that prints what it is
 * offered as `[…]`, then `calls` (`words=(…); CURRENT=n; _oet`); the lines it printed.
 */
async function zshOffers(
  file: string,
  calls: string,
  env: Record<string, string>,
): Promise<string[]> {
  const r = await runCommand("zsh", [
    "-f",
    "-c",
    `compdef() { :; }; source ${shQuote(file)}; compadd() { shift; print -r -- "[$*]"; }; ` +
    calls,
  ], { env, clearEnv: true });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split("\n");
}

/** fish with `file` sourced (clean `env`): `complete -C` of each line, as `[…]`; the lines it printed. */
async function fishOffers(
  file: string,
  lines: string[],
  env: Record<string, string>,
): Promise<string[]> {
  const r = await runCommand("fish", [
    "--no-config",
    "-c",
    `source ${shQuote(file)}; ` +
    `for line in ${lines.map(shQuote).join(" ")}; ` +
    `set -l words (complete -C $line); echo "[$words]"; end`,
  ], { env, clearEnv: true });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split("\n");
}

shellTest(
  "bash",
  "values: -o choices, and --pid ids from the server named on the line",
  async (file) => {
    await onServer("v7", { procedures: 3 }, async (env, sim) => {
      const offered = await bashOffers(file, [
        bashCompletion(["oet", "procedure", "list", "-o", ""]),
        bashCompletion(["oet", "listen", "--output", "j"]),
        bashCompletion(["oet", "procedure", "start", "--server-url", sim.baseUrl, "--pid", ""]),
        bashCompletion(["oet", "procedure", "describe", "--pid", ""]), // no server: nothing, quickly
      ], { ...env, OET_REST_URI: "http://127.0.0.1:9/api/v1.0" });
      assert.deepEqual(offered, ["[table json jsonl id]", "[jsonl]", "[1 2 3]", "[]"]);
    });
  },
);

shellTest("zsh", "values: -o choices, and --pid ids from the server", async (file) => {
  await onServer("v5", { procedures: 1 }, async (env) => {
    const offered = await zshOffers(
      file,
      `words=(oet activity list -o ''); CURRENT=5; _oet; ` +
        `words=(oet procedure wait --pid ''); CURRENT=5; _oet`,
      env,
    );
    assert.deepEqual(offered, ["[table json jsonl id]", "[1]"]);
  });
});

shellTest("fish", "values: -o choices, and --aid ids from the server", async (file) => {
  await onServer("v7", { activity: true }, async (env) => {
    const offered = await fishOffers(
      file,
      ["oet procedure list --output ", "oet activity describe --aid "],
      env,
    );
    // fish sorts what it offers.
    assert.deepEqual(offered, ["[id json jsonl table]", "[1]"]);
  });
});

shellTest("bash", "context names: --context <TAB> and oet context use <TAB>", async (file) => {
  const dir = await Deno.makeTempDir({ prefix: "oet-ctx-completion-" });
  const bin = await oetOnPath();
  try {
    const env = { OET_CONFIG: `${dir}/config.toml` };
    for (const name of ["mid-itf", "mid-prod", "low-itf"]) {
      const r = await runOetProcess([
        "context",
        "add",
        name,
        "--server-url",
        "http://127.0.0.1:9/api",
      ], {
        env,
      });
      assert.equal(r.code, 0, r.stderr);
    }
    const offered = await bashOffers(file, [
      bashCompletion(["oet", "--context", "mid"]),
      bashCompletion(["oet", "procedure", "list", "--context", ""]),
      bashCompletion(["oet", "context", "use", ""]),
      bashCompletion(["oet", "context", "remove", "l"]),
      bashCompletion(["oet", "context", "use", "--"]),
      bashCompletion(["oet", "context", "u"]),
    ], {
      PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HOME: Deno.env.get("HOME") ?? "/tmp",
      OET_CONFIG: env.OET_CONFIG,
    });
    assert.deepEqual(offered, [
      "[mid-itf mid-prod]",
      "[mid-itf mid-prod low-itf]",
      "[mid-itf mid-prod low-itf]",
      "[low-itf]",
      `[${offerAt("context use").options.join(" ")}]`,
      "[use]",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(bin, { recursive: true });
  }
});

/**
 * `--pid=` and `--aid=`, as the README's own examples write them: bash splits
 * the word at `=` (COMP_WORDBREAKS), zsh and fish keep it whole.
 */
async function idsOnServer(fn: (env: Record<string, string>) => Promise<void>) {
  await onServer("v7", { procedures: 2, activity: true }, fn);
}

shellTest("bash", "--pid= and --aid=: ids after the =, as after a space", async (file) => {
  await idsOnServer(async (env) => {
    const offered = await bashOffers(file, [
      bashCompletion(["oet", "procedure", "start", "--pid", "="], ""),
      bashCompletion(["oet", "procedure", "start", "--pid", "=", "2"], ""),
      bashCompletion(["oet", "activity", "describe", "--aid", "="], ""),
      bashCompletion(["oet", "procedure", "list", "-o", "=", "js"], ""),
    ], env);
    assert.deepEqual(offered, ["[1 2 3]", "[2]", "[1]", "[json jsonl]"]);
  });
});

shellTest("zsh", "--pid= and --aid=: ids after the =", async (file) => {
  await idsOnServer(async (env) => {
    const offered = await zshOffers(
      file,
      `compset() { print -r -- "compset $*"; }; ` +
        `words=(oet procedure wait --pid=); CURRENT=4; _oet; ` +
        `words=(oet activity describe --aid=1); CURRENT=4; _oet`,
      env,
    );
    assert.deepEqual(offered, ["compset -P *=", "[1 2 3]", "compset -P *=", "[1]"]);
  });
});

shellTest("fish", "--pid= and --aid=: ids after the =", async (file) => {
  await idsOnServer(async (env) => {
    const offered = await fishOffers(file, [
      "oet procedure start --pid=",
      "oet activity describe --aid=",
    ], env);
    assert.deepEqual(offered, ["[--pid=1 --pid=2 --pid=3]", "[--aid=1]"]);
  });
});
