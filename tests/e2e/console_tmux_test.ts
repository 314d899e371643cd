/**
 * `oet console` in a real terminal: tmux runs it (with the binary's exact
 * permissions) against the simulator; the tests type keys, read the screen
 * with capture-pane, resize the window, and check what is left on the
 * terminal after it ends. Every wait polls the screen for the text it needs
 * with a generous deadline (a loaded machine is slow, never wrong).
 *
 * Without tmux (CI installs it in .ci/run) the tests say so and are skipped.
 */

import assert from "node:assert/strict";
import { generateSigningKey } from "../../sim/src/jwt.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import type { Faults } from "../../sim/src/faults.ts";
import { runOetProcess } from "../support/spawn.ts";
import { until } from "../support/wait.ts";
import { oetCommandLine, TMUX, TmuxSession } from "../support/tmux.ts";

/** main.ts plus a trigger file that provokes an uncaught error or an unhandled rejection (test-only). */
const FAULT_ENTRY = new URL("./console_fault_entry.ts", import.meta.url).pathname;
if (!TMUX) {
  // deno-lint-ignore no-console -- say plainly why these tests do not run
  console.error("tmux is not installed: the console's terminal tests are skipped");
}

/** One console in a tmux server of its own. */
class Screen extends TmuxSession {
  constructor() {
    super("console");
  }

  /**
   * Starts `oet console ARGS` in an 80×24 window (or `size`); when it ends
   * the shell prints `[exit N]` on the terminal it gave back, then the
   * terminal's line discipline as `stty` reads it: `[tty isig icanon echo ]`
   * in cooked mode, each with a `-` before it if it was left raw.
   */
  async start(
    args: string[],
    env: Record<string, string>,
    size = { columns: 80, rows: 24 },
    entry?: string,
  ): Promise<void> {
    await this.open(
      `${oetCommandLine(["console", ...args], env, entry)}; echo "[exit $?]"; ` +
        `echo "[tty $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(isig|icanon|echo)' | tr '\\n' ' ')]"; ` +
        "exec sleep 3600",
      size,
    );
  }

  resize(columns: number, rows: number): Promise<string> {
    return this.tmux("resize-window", "-t", "t", "-x", String(columns), "-y", String(rows));
  }

  /** What tmux knows of the pane: is the alternate screen on, is the cursor shown. */
  async modes(): Promise<{ alternate: boolean; cursor: boolean }> {
    const out = await this.tmux(
      "display-message",
      "-p",
      "-t",
      "t",
      "#{alternate_on} #{cursor_flag}",
    );
    const [alternate, cursor] = out.trim().split(" ");
    return { alternate: alternate === "1", cursor: cursor === "1" };
  }

  /** The console's process id (the shell's child). */
  async pid(): Promise<number> {
    const shell = (await this.tmux("display-message", "-p", "-t", "t", "#{pane_pid}")).trim();
    const out = await new Deno.Command("pgrep", { args: ["-P", shell], stdout: "piped" }).output();
    return Number(new TextDecoder().decode(out.stdout).trim().split("\n")[0]);
  }
}

/** A console's screen and a simulator of `flavor` (with `aaa`, one that checks bearer tokens). */
async function withConsole(
  flavor: Flavor,
  fn: (screen: Screen, sim: Simulator) => Promise<void>,
  o: { faults?: Faults; stepMs?: number; aaa?: boolean } = {},
): Promise<void> {
  const sim = startSim({
    flavor,
    stepMs: o.stepMs ?? 10,
    faults: o.faults,
    ...(o.aaa ? { auth: { keyPair: await generateSigningKey() } } : {}),
  });
  const screen = new Screen();
  try {
    await fn(screen, sim);
  } finally {
    await screen.close();
    await sim.close();
  }
}

/** Starts the console with a token for ada@skao.int; waits until the header names her. */
async function startAsAda(screen: Screen, sim: Simulator): Promise<void> {
  const token = await sim.issuer!.mint({ preferred_username: "ada@skao.int" });
  await screen.start([], { OET_REST_URI: sim.baseUrl, OET_TOKEN: token, NO_COLOR: "1" });
  await screen.until(/· live · OET 7\+ · 127\.0\.0\.1:\d+ · ada@skao\.int ·/);
}

/** Quits with q and checks the terminal was given back: the shell's line, no console left. */
async function quitRestores(screen: Screen, key = "q", code = 0): Promise<void> {
  await screen.keys(key);
  const after = await screen.until(new RegExp(`\\[exit ${code}\\]`), `[exit ${code}]`);
  assert.doesNotMatch(after, /oet console ·|─ Procedures/, "the alternate screen was left");
}

const ignore = !TMUX;

/** A pane's title rule exactly `width` columns wide, as a whole line. */
function rule(title: string, width: number): RegExp {
  const label = `─ ${title} `;
  const escaped = label.replace(/[()]/g, "\\$&");
  return new RegExp(`^${escaped}─{${width - label.length}}$`, "m");
}

/** True when a screen capture (with escapes) paints a foreground or background colour. */
function painted(capture: string): boolean {
  // deno-lint-ignore no-control-regex
  for (const m of capture.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const params = m[1].split(";").map(Number);
    if (params.some((p) => (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || p >= 90)) return true;
  }
  return false;
}

Deno.test({
  name:
    "console (v5, tmux): create and start with keys, the run's messages, the detail, resize, too small, q gives the terminal back (exit 0)",
  ignore,
  fn: () =>
    withConsole("v5", async (screen, sim) => {
      await screen.start([], { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" });
      await screen.until(/^oet console · live · OET 5 · 127\.0\.0\.1:\d+/m, "the live header");
      await screen.until(/no procedures \(c creates one\)/);
      await screen.keys("c");
      await screen.until(/Script URI: ▏/);
      await screen.text("file:///scripts/hello_world.py");
      await screen.keys("Enter");
      await screen.until(/Init arguments: ▏/);
      await screen.text("--subarray_id=2 'two words'");
      await screen.keys("Enter");
      await screen.until(/created procedure 1 \(\w+\); s starts it/);
      await screen.until(/›\s+1\s+file:\/\/\/scripts\/hello_world\.py\s+\S+ \S+\s+READY/);
      await screen.keys("s");
      await screen.until(/Start procedure 1/);
      await screen.text("--scan_duration=1.5");
      await screen.keys("Enter");
      const run = await screen.until(/#1 Script message: Script complete/);
      assert.match(run, /#1 Script message: pretending to execute scan 9\/10/);
      // Search the scrollback for what scrolled away.
      await screen.keys("/");
      await screen.until(/Search messages/);
      await screen.text("running");
      await screen.keys("Enter");
      const found = await screen.until(
        /Messages \(all · \/running · follow\)[\s\S]*#1 State: RUNNING/,
      );
      assert.match(found, /#1 State: RUNNING/);
      assert.doesNotMatch(found, /scan 9\/10/);
      await screen.keys("Escape");
      await screen.until(/Messages \(all · follow\)/);
      // The detail: the arguments as the CLI would have sent them.
      await screen.keys("Enter");
      const detail = await screen.until(
        /─ Detail ─(?=[\s\S]*^init: args)(?=[\s\S]*^main: args)(?=[\s\S]*RUNNING\s+\d+\.\ds)/m,
        "the detail with its timeline and arguments",
      );
      assert.match(detail, /^init: args \['two words'\], kwargs \{'subarray_id': 2\}/m);
      assert.match(detail, /^main: args \[\], kwargs \{'scan_duration': 1\.5\}/m);
      assert.match(detail, /RUNNING\s+\d+\.\ds/);
      await screen.keys("Escape");
      // Resize: the frame follows the window.
      await screen.resize(120, 30);
      await screen.until(rule("Procedures (1)", 120), "a 120-column frame");
      await screen.until(/─ Detail ─+ ─ Messages/, "the detail beside the messages at 120 columns");
      await screen.resize(60, 20);
      await screen.until(/^terminal too small\n60×20; oet console needs 80×24/m);
      await screen.resize(80, 24);
      await screen.until(rule("Procedures (1)", 80), "an 80-column frame again");
      // Exactly one event stream: one of the server's 4 threads.
      assert.equal(sim.state.workers().heldByStreams, 1, JSON.stringify(sim.state.workers()));
      await quitRestores(screen);
      // Thread courtesy: the closed stream's thread is freed, nothing is left held.
      await until(
        () => sim.state.workers().heldByStreams + sim.state.workers().heldByDeadStreams === 0,
        "the console's stream thread to be freed",
        () => JSON.stringify(sim.state.workers()),
      );
    }),
});

/** Creates a procedure for `uri` with the c dialog (no arguments); waits until it is listed. */
async function create(screen: Screen, uri: string, pid: number): Promise<void> {
  await screen.keys("c");
  await screen.until(/Script URI: ▏/);
  await screen.text(uri);
  await screen.keys("Enter");
  await screen.until(/Init arguments/);
  await screen.keys("Enter");
  await screen.until(new RegExp(`created procedure ${pid} `));
  // The new procedure is selected.
  await screen.until(new RegExp(`›\\s+${pid}\\s+${uri.replace(/[./]/g, "\\$&")}`));
}

Deno.test({
  name:
    "console (v7, tmux): a FAILED run with its stack trace; a refused start in the status line and the stream 7.x closes marked as a gap; stop from the dialog",
  ignore,
  fn: () =>
    withConsole("v7", async (screen, sim) => {
      await screen.start([], { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" });
      await screen.until(/· live · OET 7\+ ·/);
      await create(screen, "file:///scripts/fail.py", 1);
      await screen.keys("s");
      await screen.until(/Start procedure 1/);
      await screen.keys("Enter");
      await screen.until(/#1 State: FAILED/);
      await screen.until(/›\s+1\s+file:\/\/\/scripts\/fail\.py.*FAILED/);
      await screen.keys("Enter");
      const detail = await screen.until(/Stack trace \(last lines\):[\s\S]*Exception: /);
      assert.match(detail, /Exception: Script failed!/);
      await screen.keys("Escape");
      // A procedure that runs until stopped, then a second start, which 7.x refuses.
      await create(screen, "file:///scripts/loop.py", 2);
      await screen.keys("s", "Enter");
      await screen.until(/›\s+2\s+file:\/\/\/scripts\/loop\.py.*RUNNING/);
      await create(screen, "file:///scripts/success.py", 3);
      await screen.keys("s", "Enter");
      // The refusal in the status line, and the stream 7.x closed with it reopened, its gap marked.
      const refused = await screen.until(/^error: .+/m, "the refusal in the status line");
      assert.doesNotMatch(refused, /started procedure 3/);
      await screen.until(/── stream down \d\d:\d\d:\d\d–\d\d:\d\d:\d\d: events may be missing/);
      await screen.until(/· live ·/);
      // Stop the loop: the dialog's default is stop and abort.
      await screen.keys("j");
      await screen.until(/›\s+2\s+file:\/\/\/scripts\/loop\.py/);
      await screen.keys("x");
      await screen.until(/› stop and run the abort script \(the default\)/);
      await screen.keys("Down", "Enter");
      await screen.until(/stop sent to procedure 2$/m);
      await screen.until(/›\s+2\s+file:\/\/\/scripts\/loop\.py.*STOPPED/);
      const stops = sim.requests.filter((r) => r.method === "PUT" && /procedures\/2/.test(r.path));
      assert.ok(stops.some((r) => /"abort":\s*false/.test(r.body ?? "")), JSON.stringify(stops));
      await quitRestores(screen);
    }),
});

Deno.test({
  name:
    "console (tmux): an unreachable server is shown and retried until it answers; Ctrl-C quits with 0",
  ignore,
  fn: async () => {
    // A port that was just free: nothing answers there until the simulator starts on it.
    const probe = startSim({ flavor: "v5", stepMs: 10 });
    const port = probe.port;
    await probe.close();
    const screen = new Screen();
    let sim: Simulator | undefined;
    try {
      await screen.start([], {
        OET_REST_URI: `http://127.0.0.1:${port}/api/v1.0`,
        NO_COLOR: "1",
      });
      // Waits for the lines it checks, not only the header: tmux may show a
      // frame's top before its bottom arrives (seen once with two suites
      // sharing the machine), and so do the other waits of this file.
      const down = await screen.until(/· unreachable, retrying ·[\s\S]*^hint: /m);
      assert.match(down, /^error: connection refused by 127\.0\.0\.1:\d+/m);
      assert.match(down, /^hint: is the OET server running/m);
      sim = startSim({ flavor: "v5", stepMs: 10, port });
      await screen.until(/· live · OET 5 ·/, "live once the server answers");
      await quitRestores(screen, "C-c");
    } finally {
      await screen.close();
      await sim?.close();
    }
  },
});

Deno.test({
  name: "console (v7, tmux): --read-only has no actions; colour without NO_COLOR",
  ignore,
  fn: () =>
    withConsole("v7", async (screen, sim) => {
      await screen.start(["--read-only"], { OET_REST_URI: sim.baseUrl });
      await screen.until(/· live · OET 7\+ · 127\.0\.0\.1:\d+ · read-only ·/);
      const footer = (await screen.capture()).trimEnd().split("\n").at(-1);
      assert.equal(footer, "↑↓jk Tab Enter l / f · ? help · q quit");
      for (const k of ["c", "s", "r", "x"]) {
        await screen.keys(k);
        await screen.until(/error: read-only console: \w+ is not available/);
      }
      // Colour: the connection state is painted (capture-pane -e keeps the escapes).
      const coloured = await screen.tmux("capture-pane", "-e", "-p", "-t", "t");
      assert.ok(painted(coloured), coloured);
      assert.equal(sim.requests.filter((r) => r.method !== "GET").length, 0, "nothing sent");
      await quitRestores(screen);
    }),
});

Deno.test({
  name: "console (tmux): NO_COLOR paints nothing",
  ignore,
  fn: () =>
    withConsole("v5", async (screen, sim) => {
      await screen.start([], { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" });
      await screen.until(/· live ·/);
      const coloured = await screen.tmux("capture-pane", "-e", "-p", "-t", "t");
      assert.ok(!painted(coloured), coloured);
      await quitRestores(screen);
    }),
});

Deno.test({
  name:
    "console (AAA, tmux): who the token says you are in the header; a refused token shown, and SIGTERM ends it with 143",
  ignore,
  fn: () =>
    withConsole("v7", async (screen, sim) => {
      await startAsAda(screen, sim);
      await quitRestores(screen);

      const refused = new Screen();
      try {
        const foreign = await sim.issuer!.mint({}, { signer: "foreign" });
        await refused.start([], { OET_REST_URI: sim.baseUrl, OET_TOKEN: foreign, NO_COLOR: "1" });
        const text = await refused.until(/· unreachable, retrying ·/);
        assert.match(text, /error: .*(token|authenticat)/i);
        Deno.kill(await refused.pid(), "SIGTERM");
        const after = await refused.until(/\[exit 143\]/);
        assert.doesNotMatch(after, /oet console ·/, "the alternate screen was left");
      } finally {
        await refused.close();
      }
    }, { aaa: true }),
});

Deno.test({
  name:
    "console (v5, tmux): a protected context is named in the header, and every action asks for its name; a wrong name sends nothing",
  ignore,
  fn: () =>
    withConsole("v5", async (screen, sim) => {
      const dir = await Deno.makeTempDir({ prefix: "oet-console-ctx-" });
      try {
        const config = `${dir}/config.toml`;
        await Deno.writeTextFile(
          config,
          `[contexts.mid-prod]\nserver_url = "${sim.baseUrl}"\ntelescope = "SKA-Mid"\nprotected = true\n`,
        );
        await screen.start(["--context", "mid-prod"], { OET_CONFIG: config, NO_COLOR: "1" }, {
          columns: 120,
          rows: 30,
        });
        await screen.until(/· live · OET 5 · SKA-Mid \(context mid-prod, protected\) ·/);
        const posts = () => sim.requests.filter((r) => r.method !== "GET").length;
        await screen.keys("c");
        await screen.text("file:///scripts/success.py");
        await screen.keys("Enter", "Enter");
        await screen.until(/Protected context mid-prod/);
        await screen.text("mid-pro");
        await screen.keys("Enter");
        await screen.until(/not confirmed: "mid-pro" is not mid-prod; nothing was sent/);
        assert.equal(posts(), 0, "nothing was sent");
        await screen.keys("c");
        await screen.text("file:///scripts/success.py");
        await screen.keys("Enter", "Enter");
        await screen.until(/Type the context's name to confirm: ▏/);
        await screen.text("mid-prod");
        await screen.keys("Enter");
        await screen.until(/created procedure 1 /);
        assert.equal(posts(), 1);
        await quitRestores(screen);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});

Deno.test({
  name: "console (tmux): TERM=dumb is exit 2 with the way out",
  ignore,
  fn: () =>
    withConsole("v5", async (screen, sim) => {
      await screen.start([], { OET_REST_URI: sim.baseUrl, TERM: "dumb" });
      const text = await screen.until(/\[exit 2\]/);
      assert.match(text, /oet console needs a terminal that can draw a screen \(TERM=dumb\)/);
      assert.match(text, /oet procedure list --watch/);
    }),
});

Deno.test("console without a terminal: exit 2, naming procedure list --watch and listen; nothing sent", async () => {
  const r = await runOetProcess(["console"], {
    env: { OET_REST_URI: "http://127.0.0.1:9/api/v1.0", NO_COLOR: "1" },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error: oet console needs a terminal on stdin and stdout\n/);
  assert.match(
    r.stderr,
    /hint: without one, follow the lists with: oet procedure list --watch, or the events with: oet listen/,
  );
});

/**
 * Waits for `[exit code]` and checks the terminal is as the shell needs it:
 * the alternate screen left, the cursor shown, the line discipline cooked
 * (a line is echoed, edited and ends with Enter; Ctrl-C signals).
 */
async function terminalGivenBack(screen: Screen, code: number): Promise<string> {
  const after = await screen.until(/\[tty [^\]]*\]/, `[exit ${code}] and the tty's modes`);
  assert.match(after, new RegExp(`\\[exit ${code}\\]`));
  assert.match(after, /\[tty isig icanon echo \]/, "the tty is back in cooked mode");
  assert.doesNotMatch(after, /oet console ·|─ Procedures/, "the console's frame is gone");
  assert.deepEqual(await screen.modes(), { alternate: false, cursor: true });
  return after;
}

for (
  const [fault, what] of [
    ["error", "an uncaught error"],
    ["rejection", "an unhandled rejection"],
  ] as const
) {
  Deno.test({
    name:
      `console (v5, tmux): ${what} ends oet with 1 and the terminal given back (alternate screen left, cursor shown, cooked mode)`,
    ignore,
    fn: () =>
      withConsole("v5", async (screen, sim) => {
        await screen.start(
          [],
          { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" },
          undefined,
          FAULT_ENTRY,
        );
        await screen.until(/· live · OET 5 ·/);
        // The console has the terminal: the frame on the alternate screen, no cursor, raw mode.
        assert.deepEqual(await screen.modes(), { alternate: true, cursor: false });
        const trigger = `/tmp/oet-console-fault-${await screen.pid()}`;
        await Deno.writeTextFile(trigger, fault);
        try {
          const after = await terminalGivenBack(screen, 1);
          assert.match(after, new RegExp(`provoked by the test: ${what}`), "the error is printed");
        } finally {
          await Deno.remove(trigger);
        }
      }),
  });
}

Deno.test({
  name:
    "console (v5, tmux): a second SIGINT while the stream is still closing exits at once with 130, the terminal given back",
  ignore,
  fn: () =>
    withConsole("v5", async (screen, sim) => {
      await screen.start([], { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" });
      await screen.until(/· live · OET 5 ·/);
      assert.deepEqual(await screen.modes(), { alternate: true, cursor: false });
      // A server that now takes a minute to answer: the thread courtesy's closing request waits.
      const latencyMs = 60_000;
      sim.setFaults({ latencyMs });
      const pid = await screen.pid();
      Deno.kill(pid, "SIGINT");
      // The first signal gives the terminal back before the stream is closed; oet is still running.
      await screen.when(
        () => screen.modes(),
        (m) => !m.alternate,
        () => "the alternate screen was never left",
      );
      const first = performance.now();
      assert.doesNotMatch(await screen.capture(), /\[exit/, "still closing the stream");
      // Only a signal at least 500 ms after the first counts as a second one (a keypress
      // delivered twice arrives sooner): wait that long, then press again.
      await new Promise((r) => setTimeout(r, 600 - (performance.now() - first)));
      const second = performance.now();
      Deno.kill(pid, "SIGINT");
      await terminalGivenBack(screen, 130);
      assert.ok(
        performance.now() - second < latencyMs,
        "the exit was forced, not the end of the close",
      );
      sim.setFaults({});
    }),
});

Deno.test({
  name:
    "console (AAA, tmux): a token the server refuses later is shown in the header and retried with back-off until it is accepted again",
  ignore,
  fn: () =>
    withConsole("v7", async (screen, sim) => {
      await startAsAda(screen, sim);
      // The deployment stops accepting the console's token (its audience changed, as when an
      // app registration is replaced); another operator, with a token for the new audience,
      // creates a procedure: its event reaches the console, whose re-read is refused.
      const audience = sim.aaa!.settings.audience;
      sim.aaa!.update({ audience: "api://oet-elsewhere" });
      const other = await sim.issuer!.mint({ aud: "api://oet-elsewhere" });
      const created = await fetch(`${sim.baseUrl}/procedures/`, {
        method: "POST",
        headers: { authorization: `Bearer ${other}`, "content-type": "application/json" },
        body: JSON.stringify({
          script: { script_type: "filesystem", script_uri: "file:///scripts/loop.py" },
        }),
      });
      await created.body?.cancel();
      assert.ok(created.ok, `the other operator's create: ${created.status}`);
      const refused = await screen.until(
        /· unreachable, retrying ·[\s\S]*^error: /m,
        "the refusal in the header and the status line",
      );
      assert.match(refused, /^error: .*token/im);
      // Retried with back-off (more refused reads than the event's own re-read and its
      // confirmation), with no event to prompt them: the stream stays open all along.
      const refusedReads = () =>
        sim.requests.filter((r) => r.status === 401 && r.method === "GET").length;
      const first = refusedReads();
      await until(() => refusedReads() >= first + 3, "the refused read to be retried");
      // The token is accepted again: the console recovers by itself, no key pressed.
      sim.aaa!.update({ audience });
      await screen.until(/· (live|gap since \d\d:\d\d:\d\d) · OET 7\+ ·/, "recovered");
      await screen.until(/›\s+1\s+file:\/\/\/scripts\/loop\.py/, "the other operator's procedure");
      await quitRestores(screen);
    }, { aaa: true }),
});

Deno.test({
  name:
    "console (v7, tmux): an activity for an SB the server does not have: the error and its hint in the status line, as activity run prints them",
  ignore,
  fn: () =>
    withConsole("v7", async (screen, sim) => {
      // Wide enough for the whole hint (a status line is cut at the window's edge).
      await screen.start([], { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" }, {
        columns: 160,
        rows: 48,
      });
      await screen.until(/· live · OET 7\+ ·/);
      await screen.keys("r");
      await screen.until(/Activity name: ▏/);
      await screen.text("observe");
      await screen.keys("Enter");
      await screen.until(/SBD id: ▏/);
      await screen.text("sbd-t0001-20991231-00404");
      await screen.keys("Enter");
      const text = await screen.until(/^hint: .+/m, "the hint in the status line");
      assert.match(text, /^error: HTTP 500: .*sbd-t0001-20991231-00404 could not be found/m);
      assert.match(
        text,
        /^hint: the server has no SB with that id \(it looks it up in its ODA\): check the sbd-id/m,
      );
      await quitRestores(screen);
    }),
});
