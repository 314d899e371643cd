/**
 * The typed confirmation of a protected context on a real pseudo-terminal:
 * tmux runs `oet procedure create` (with the binary's exact permissions)
 * against the simulator, with stdout a pipe as in `pid=$(oet … -o id)`;
 * the tests type into it and read the screen. Right name, wrong name, end
 * of input (Ctrl-D) and Ctrl-C; the simulator's request log shows that a
 * refusal sends nothing.
 *
 * Without tmux (CI installs it in .ci/run) the tests say so and are skipped.
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import { runOetProcess as runOet, shQuote } from "../support/spawn.ts";
import { oetCommandLine, TMUX, TmuxSession } from "../support/tmux.ts";

/** One command in a tmux server of its own; `[exit N]` shows when it ends. */
class Terminal extends TmuxSession {
  constructor() {
    super("confirm");
  }

  async start(args: string[], env: Record<string, string>, out: string): Promise<void> {
    // stdout to a file (a pipe's place): stdin and stderr are the terminal.
    await this.open(
      `${oetCommandLine(args, env)} > ${shQuote(out)}; echo "[exit $?]"; exec sleep 3600`,
      { columns: 120, rows: 20 },
    );
  }
}

/** A protected context `prod` on a v7 simulator, in a temporary OET_CONFIG. */
async function withProtected(
  fn: (t: Terminal, sim: Simulator, env: Record<string, string>, out: string) => Promise<void>,
): Promise<void> {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  const dir = await Deno.makeTempDir({ prefix: "oet-confirm-" });
  const t = new Terminal();
  try {
    const env = { OET_CONFIG: `${dir}/config.toml` };
    const add = await runOet([
      "context",
      "add",
      "prod",
      "--server-url",
      sim.baseUrl,
      "--telescope",
      "SKA-Mid",
      "--protected",
    ], { env });
    assert.equal(add.code, 0, add.stderr);
    await fn(t, sim, env, `${dir}/stdout`);
  } finally {
    await t.close();
    await Deno.remove(dir, { recursive: true });
    await sim.close();
  }
}

// capture-pane drops the trailing space of the prompt.
const PROMPT = /context prod is protected\. Type its name to procedure create:/;
const CREATE = ["procedure", "create", "file:///scripts/hello_world.py", "-o", "id"];

function tmuxTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: TMUX ? name : `${name}: SKIPPED — tmux is not on PATH (Debian: apt-get install tmux)`,
    ignore: !TMUX,
    fn,
  });
}

tmuxTest(
  "confirmation on a terminal: the right name sends the command; stdout may be a pipe",
  async () => {
    await withProtected(async (t, sim, env, out) => {
      await t.start(CREATE, env, out);
      const asked = await t.until(PROMPT);
      assert.match(asked, /^procedure create on SKA-Mid \(context prod, protected\)$/m);
      assert.equal(sim.requests.length, 0, "nothing is sent while it asks");
      await t.keys("-l", "prod");
      await t.keys("Enter");
      await t.until(/\[exit 0\]/);
      assert.equal(await Deno.readTextFile(out), "1\n");
      assert.equal(sim.requests.filter((q) => q.method === "POST").length, 1);
    });
  },
);

/** Answers the prompt with `keys`; the refusal says `said` and exits with `code`, nothing sent. */
function refusal(keys: string[][], said: RegExp, code: number): () => Promise<void> {
  return () =>
    withProtected(async (t, sim, env, out) => {
      await t.start(CREATE, env, out);
      await t.until(PROMPT);
      for (const k of keys) await t.keys(...k);
      const screen = await t.until(/\[exit \d+\]/);
      assert.match(screen, said);
      assert.match(screen, new RegExp(`\\[exit ${code}\\]`));
      assert.equal(sim.requests.length, 0);
    });
}

tmuxTest(
  "confirmation on a terminal: a wrong name is exit 1, nothing sent",
  refusal(
    [["-l", "itf"], ["Enter"]],
    /error: not confirmed: "itf" is not prod; nothing was sent/,
    1,
  ),
);

tmuxTest(
  "confirmation on a terminal: end of input (Ctrl-D) is exit 1, nothing sent",
  refusal([["C-d"]], /error: not confirmed \(end of input\): nothing was sent/, 1),
);

tmuxTest(
  "confirmation on a terminal: Ctrl-C is exit 130, nothing sent",
  refusal([["C-c"]], /interrupted: not confirmed, nothing was sent/, 130),
);

tmuxTest(
  "without a terminal on stdin the same command is refused (exit 2), nothing sent",
  async () => {
    await withProtected(async (_t, sim, env) => {
      const r = await runOet(CREATE, { env, stdin: "" });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /context prod is protected: procedure create needs --yes/);
      assert.equal(sim.requests.length, 0);
    });
  },
);
