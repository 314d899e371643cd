/**
 * The one way a test runs `oet` in-process, as `main.ts` would: buffers for
 * stdout and stderr, a chosen environment and TTY-ness, files, clock and
 * standard input, and real `fetch` against a local server. `runOet` runs a
 * command to its end; `startOet` starts one the test watches while it runs
 * and interrupts as Ctrl-C would (`listen`, `--watch`, a wait). Both share
 * one setup; tests/support/spawn.ts's `runOetProcess` runs the real process.
 */

import denoJson from "../../deno.json" with { type: "json" };
import { runCli } from "../../src/cli/main.ts";
import type { Clock } from "../../src/domain/clock.ts";
import type { Env } from "../../src/config/config.ts";
import { InterruptedError, OutputClosedError } from "../../src/domain/errors.ts";
import type { AuthFs } from "../../src/auth/fs.ts";
import type { InStream, OutStream } from "../../src/render/io.ts";
import { changed, until } from "./wait.ts";

/** What a run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one in-process run. */
export interface RunOptions {
  env?: Env;
  /** Pretend stdout/stderr are terminals (colour stays off unless `colour`). */
  tty?: boolean;
  colour?: boolean;
  /** Files `readTextFile` can see (`.env`, `@file` arguments). */
  files?: Record<string, string>;
  /** Aborting it interrupts the run (as `startOet`'s `interrupt` does). */
  signal?: AbortSignal;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Close stdout after this many writes (a reader that went away). */
  closeStdoutAfter?: number;
  /** The terminal's width (with `tty`). */
  columns?: number;
  /** The file system for the configuration file and the login cache (default: Deno's). */
  fs?: AuthFs;
  /** Standard input (default: none, as `< /dev/null`). */
  stdin?: InStream;
  /** stderr alone a terminal (`tty` makes both stdout and stderr one). */
  stderrTty?: boolean;
}

/** Standard input that gives these lines, then end of input; `isTerminal` as said. */
export function linesIn(lines: readonly string[], isTerminal = true): InStream & { asked: number } {
  const queue = [...lines];
  return {
    isTerminal,
    asked: 0,
    readLine(signal: AbortSignal) {
      this.asked++;
      if (signal.aborted) return Promise.reject(signal.reason);
      return Promise.resolve(queue.shift());
    },
  };
}

/** An output stream that records what oet wrote; every write wakes the tests' waits. */
export class Output implements OutStream {
  text = "";
  /** How many writes it took (a closed reader refuses those past `limit`). */
  writes = 0;
  constructor(
    readonly isTerminal: boolean,
    readonly colour: boolean,
    readonly limit?: number,
    readonly columns?: number,
  ) {}
  write(text: string): void {
    if (this.limit !== undefined && this.writes >= this.limit) {
      throw new OutputClosedError("closed");
    }
    this.writes++;
    this.text += text;
    changed();
  }
}

/**
 * oet's event streams as oet reads them: pass `fetch` to a run, and the body
 * of every `text/event-stream` answer reaches oet through a stream that
 * records what oet took and knows when oet waits for more. oet reads a
 * stream one chunk at a time and asks for the next only after it has handled
 * the last one, so "it took X and waits for more" means X was handled: a
 * test can wait until oet has dealt with an event it does not print (a
 * filtered `listen`, a `--watch` ignoring it) instead of sleeping. Every
 * chunk taken and every read begun wakes the tests' waits.
 */
export class StreamTap {
  /** What oet took from its event streams so far, every connection in order. */
  taken = "";
  #waiting = 0;
  constructor(readonly base: typeof fetch = fetch) {}

  /** True while oet waits on an event stream, having handled all it took. */
  get waiting(): boolean {
    return this.#waiting > 0;
  }

  /** The fetch to give the run. */
  readonly fetch: typeof fetch = async (input, init) => {
    const res = await this.base(input, init);
    if (!res.body || !res.headers.get("content-type")?.startsWith("text/event-stream")) {
      return res;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    // Deno does not always fail a pending read of a body that is read on
    // when the request is aborted (seen after a few dozen chunks): end it here.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.addEventListener("abort", () => void reader.cancel(signal.reason).catch(() => {}), {
      once: true,
    });
    const body = new ReadableStream<Uint8Array>({
      // Called only when oet reads (no read-ahead: high-water mark 0).
      pull: async (controller) => {
        this.#waiting++;
        changed();
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          controller.error(e);
          return;
        } finally {
          this.#waiting--;
        }
        if (signal?.aborted) controller.error(signal.reason);
        else if (r.done) controller.close();
        else {
          this.taken += decoder.decode(r.value, { stream: true });
          controller.enqueue(r.value);
        }
        changed();
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };

  /** Resolves once oet has taken text matching `re` from a stream and waits for more. */
  until(re: RegExp, ms?: number): Promise<void> {
    return until(
      () => this.waiting && re.test(this.taken),
      `oet to handle ${re} from its event stream and wait for more`,
      ms,
      () => this.taken,
    );
  }
}

/** A running in-process `oet` (see {@link startOet}). */
export interface LiveRun {
  /** What it wrote so far. */
  readonly out: Output;
  readonly err: Output;
  /** Resolves once stdout matches `re`; rejects after `ms` or if the command ended first. */
  until(re: RegExp, ms?: number): Promise<void>;
  /** The same for stderr. */
  untilErr(re: RegExp, ms?: number): Promise<void>;
  /** Interrupts it as Ctrl-C would, and waits for its end. */
  interrupt(): Promise<RunResult>;
  /** Its end; the end wakes the tests' waits too. */
  readonly done: Promise<RunResult>;
}

/**
 * Starts `oet <args>` in-process; it runs until it ends or is interrupted,
 * while the test reads its output and waits on it.
 */
export function startOet(args: string[], o: RunOptions = {}): LiveRun {
  const out = new Output(o.tty ?? false, o.colour ?? false, o.closeStdoutAfter, o.columns);
  const err = new Output(o.stderrTty ?? o.tty ?? false, o.colour ?? false, undefined, o.columns);
  const files = o.files ?? {};
  const stop = new AbortController();
  let ended = false;
  const done = runCli({
    args,
    env: o.env ?? {},
    io: { out, err, in: o.stdin },
    fetch: o.fetch ?? fetch,
    readTextFile: (path) =>
      path in files
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`)),
    signal: o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal,
    version: denoJson.version,
    runtime: { deno: "2.9.6", v8: "v8", typescript: "ts", target: "x86_64-unknown-linux-gnu" },
    clock: o.clock,
    fs: o.fs,
  }).then((code) => ({ code, stdout: out.text, stderr: err.text })).finally(() => {
    ended = true;
    changed();
  });
  // Event-based: every write and the end wake the wait.
  const waitText = async (stream: Output, re: RegExp, ms?: number) => {
    await until(() => ended || re.test(stream.text), `${re}`, ms, () => stream.text);
    if (!re.test(stream.text)) {
      throw new Error(`oet ended without printing ${re}:\n${out.text}${err.text}`);
    }
  };
  return {
    out,
    err,
    until: (re, ms) => waitText(out, re, ms),
    untilErr: (re, ms) => waitText(err, re, ms),
    interrupt() {
      stop.abort(new InterruptedError("SIGINT"));
      return done;
    },
    done,
  };
}

/** Runs `oet <args>` in-process to its end. */
export function runOet(args: string[], o: RunOptions = {}): Promise<RunResult> {
  return startOet(args, o).done;
}
