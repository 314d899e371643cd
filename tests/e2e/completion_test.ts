/**
 * `oet completion bash|zsh|fish`: each script passes its shell's syntax check
 * (`-n`) and completes groups, verbs and options. The scripts come from a real
 * `oet` process (tests/support/spawn.ts), so with `OET_BINARY` set they are
 * the compiled binary's. A shell that is not installed is reported as an
 * ignored test saying so, never as a pass.
 */

import assert from "node:assert/strict";
import { buildTree } from "../../src/cli/root.ts";
import { isHidden } from "../../src/commands/framework/spec.ts";
import { oetCommand } from "../support/spawn.ts";
import { type Ran, runCommand, shQuote, which } from "./e2e_support.ts";
import { runOetProcess } from "../support/spawn.ts";
import { withSim } from "../support/sim.ts";
import type { Simulator } from "../../sim/src/server.ts";

/** The top-level commands a user sees, in tree order (the scripts must offer exactly these). */
const TOP = buildTree().root.commands.filter((c) => !isHidden(c)).map((c) => c.name);

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
  [["oet", "proc"], "procedure"],
  [["oet", "procedure", "st"], "start stop"],
  [["oet", "pro"], "procedure"],
  [["oet", "a"], "activity auth"],
  [["oet", "activity", "r"], "run"],
  [["oet", "procedure", "list", "--p"], "--pid"],
  [["oet", "--server-url", "http", ":", "//127.0.0.1", "procedure", "st"], "start stop"],
  [["oet", "procedure", "stop", "--pid", "3", "--run"], "--run-abort"],
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
      "create list start wait stop describe",
      "--pid --output --watch --server-url --context --request-timeout --help",
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
  assert.deepEqual(r.stdout.trimEnd().split("\n"), [
    "[procedure]",
    "[start stop]",
    "[--pid]",
    `[${[...TOP].sort().join(" ")}]`,
    "[run]",
  ]);
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
      "[--server-url --context --request-timeout --help]",
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
