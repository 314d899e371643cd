/**
 * A real terminal for the end-to-end tests: one command in a tmux server of
 * its own (its own socket, so parallel runs never meet), started with the
 * binary's exact permissions and a clean environment; the tests type keys
 * and read the screen with capture-pane.
 *
 * A terminal has no in-process event, so the pane's output is one: tmux
 * copies everything the program writes to its terminal into a FIFO
 * (`pipe-pane -O`), and each chunk read from it wakes the waits (`changed`
 * in wait.ts). A screen wait captures the screen, and captures it again only
 * after more output came: no polling, and the screen is read as soon as it
 * can have changed. A capture during which more output came is not trusted
 * (the frame may have been half drawn) and is taken again. The deadline is
 * generous (a loaded machine is slow, never wrong).
 */

import { changed, until as waitUntil } from "./wait.ts";
import { baseEnv, oetCommand, shQuote, which } from "./spawn.ts";

/** Where tmux is, or undefined: the tests that need it say so and are skipped. */
export const TMUX = which("tmux");

/** How long one expected screen may take to appear on a loaded machine. */
export const SCREEN_DEADLINE_MS = 45_000;

let sessions = 0;

/**
 * oet (spawn.ts's `oetCommand`: main.ts, or `entry` when named) with
 * `args`, as a shell command line, in spawn.ts's clean environment (`baseEnv`)
 * with a TERM, plus `env`.
 */
export function oetCommandLine(
  args: string[],
  env: Record<string, string>,
  entry?: string,
): string {
  const vars = baseEnv({ TERM: "xterm-256color", ...env });
  if (!vars.DENO_DIR) delete vars.DENO_DIR;
  const [program, lead] = oetCommand(entry);
  return [
    "env",
    "-i",
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
    program,
    ...lead,
    ...args,
  ].map(shQuote).join(" ");
}

/** One tmux server of its own with one window, `t`. */
export class TmuxSession {
  readonly socket: string;
  /** Chunks of output the pane's program wrote since {@link open}. */
  #outputs = 0;
  /** True once the pane's output pipe ended (the server or the pane is gone). */
  #ended = false;
  /** The pipe's reader; the FIFO's directory. */
  #reader: Promise<void> | undefined;
  #dir: string | undefined;

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
    await this.#watchOutput();
  }

  /** Starts reading what the pane's program writes (from now on: the screen has the rest). */
  async #watchOutput(): Promise<void> {
    this.#dir = await Deno.makeTempDir({ prefix: "oet-tmux-" });
    const fifo = `${this.#dir}/pane`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    if (!made.success) throw new Error(`mkfifo: ${new TextDecoder().decode(made.stderr)}`);
    await this.tmux("pipe-pane", "-O", "-t", "t", `exec cat > ${shQuote(fifo)}`);
    // Opening a FIFO waits for its writer: the cat tmux just started.
    const file = await Deno.open(fifo, { read: true });
    this.#reader = (async () => {
      try {
        for await (const _ of file.readable) {
          this.#outputs++;
          changed();
        }
      } finally {
        this.#ended = true;
        changed();
      }
    })();
  }

  /** The screen as it is now. */
  capture(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-t", "t");
  }

  /** Waits until the screen matches `re`; returns that screen. */
  until(re: RegExp, what = String(re)): Promise<string> {
    return this.when(
      () => this.capture(),
      (screen) => re.test(screen),
      (screen) => `the screen never showed ${what}; last screen:\n${screen}`,
    );
  }

  /**
   * Reads `look()` (the screen, the pane's modes) until `ok` holds, and
   * returns what it read; reads again only after the pane's program wrote
   * more. Fails with `failure(last read)` at the deadline or once the pane
   * can write no more.
   */
  async when<T>(
    look: () => Promise<T>,
    ok: (seen: T) => boolean,
    failure: (last: T) => string,
  ): Promise<T> {
    if (!this.#reader) throw new Error("open() the window first");
    const deadline = performance.now() + SCREEN_DEADLINE_MS;
    for (let overlaps = 0;;) {
      const before = this.#outputs;
      const seen = await look();
      // Output while looking: the program may have been half-way through a
      // frame (a frame comes in several chunks), so look again, at once.
      if (this.#outputs !== before && overlaps++ < 10) continue;
      if (ok(seen)) return seen;
      const left = deadline - performance.now();
      const more = left > 0 && !(this.#ended && this.#outputs === before) &&
        await waitUntil(() => this.#outputs > before || this.#ended, "pane output", left)
          .then(() => true, () => false);
      if (more) continue;
      // No more output: one last look, in case the pane changed without writing.
      const last = await look();
      if (ok(last)) {
        throw new Error(`the pane changed without output that woke the wait: ${failure(last)}`);
      }
      throw new Error(failure(last));
    }
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
    // The server's end ends the pipe's writer, and so the reader.
    await this.#reader?.catch(() => {});
    if (this.#dir) await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}
