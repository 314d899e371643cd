/**
 * A real terminal for the end-to-end tests: one command in a tmux server of
 * its own (its own socket, so parallel runs never meet), started with the
 * binary's exact permissions and a clean environment; the tests type keys
 * and poll the screen with capture-pane. Every wait polls for the text it
 * needs with a generous deadline (a loaded machine is slow, never wrong).
 */

import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { shQuote, which } from "../e2e/e2e_support.ts";

/** Where tmux is, or undefined: the tests that need it say so and are skipped. */
export const TMUX = which("tmux");

/** How long one expected screen may take to appear on a loaded machine. */
export const SCREEN_DEADLINE_MS = 45_000;

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

let sessions = 0;

/**
 * `deno run` of `entry` (main.ts unless named) with `args`, as a shell
 * command line: the binary's permissions, and an environment of only PATH,
 * HOME, TERM, the loopback proxy exemption and DENO_DIR, plus `env`.
 */
export function oetCommandLine(
  args: string[],
  env: Record<string, string>,
  entry = MAIN,
): string {
  const vars = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    TERM: "xterm-256color",
    NO_PROXY: "127.0.0.1,localhost",
    DENO_NO_UPDATE_CHECK: "1",
    ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    ...env,
  };
  return [
    "env",
    "-i",
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
    Deno.execPath(),
    "run",
    "--quiet",
    ...PERMISSION_FLAGS,
    entry,
    ...args,
  ].map(shQuote).join(" ");
}

/** One tmux server of its own with one window, `t`. */
export class TmuxSession {
  readonly socket: string;

  /** `name` goes into the socket's name, to tell the tests' servers apart. */
  constructor(name: string) {
    this.socket = `oet-${name}-test-${Deno.pid}-${++sessions}`;
  }

  /** Runs one tmux command against this server; its stdout, or an error with its stderr. */
  async tmux(...args: string[]): Promise<string> {
    const out = await new Deno.Command(TMUX!, {
      args: ["-L", this.socket, "-f", "/dev/null", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  }

  /** Starts the window `t`, `columns`×`rows`, running the shell line `line`. */
  async open(line: string, size: { columns: number; rows: number }): Promise<void> {
    await this.tmux(
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      String(size.columns),
      "-y",
      String(size.rows),
      line,
    );
  }

  /** The screen as it is now. */
  capture(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-t", "t");
  }

  /** Polls the screen until `re` matches it; returns that screen. */
  async until(re: RegExp, what = String(re)): Promise<string> {
    const deadline = Date.now() + SCREEN_DEADLINE_MS;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.capture();
      if (re.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the screen never showed ${what}; last screen:\n${screen}`);
  }

  /** Types keys (tmux key names: Enter, Tab, Up, Escape, C-c). */
  keys(...keys: string[]): Promise<string> {
    return this.tmux("send-keys", "-t", "t", ...keys);
  }

  /** Types `text` as it is, not as key names. */
  text(text: string): Promise<string> {
    return this.tmux("send-keys", "-t", "t", "-l", "--", text);
  }

  /** Ends the tmux server and all it runs. */
  async close(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
  }
}
