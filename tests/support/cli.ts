/**
 * Runs `oet` in-process, as `main.ts` would, with buffers for stdout and
 * stderr, a chosen environment and TTY-ness, and real `fetch` against a
 * local server.
 */

import denoJson from "../../deno.json" with { type: "json" };
import { runCli } from "../../src/cli/main.ts";
import type { Clock } from "../../src/domain/clock.ts";
import type { Env } from "../../src/config/config.ts";
import { OutputClosedError } from "../../src/domain/errors.ts";
import type { AuthFs } from "../../src/auth/fs.ts";
import type { InStream, OutStream } from "../../src/render/io.ts";
import { changed } from "./wait.ts";

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

class Buffer implements OutStream {
  text = "";
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

/** Runs `oet <args>` in-process. */
export async function runOet(args: string[], o: RunOptions = {}): Promise<RunResult> {
  const out = new Buffer(o.tty ?? false, o.colour ?? false, o.closeStdoutAfter, o.columns);
  const err = new Buffer(o.stderrTty ?? o.tty ?? false, o.colour ?? false, undefined, o.columns);
  const files = o.files ?? {};
  const code = await runCli({
    args,
    env: o.env ?? {},
    io: { out, err, in: o.stdin },
    fetch: o.fetch ?? fetch,
    readTextFile: (path) =>
      path in files
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`)),
    signal: o.signal ?? new AbortController().signal,
    version: denoJson.version,
    runtime: { deno: "2.9.6", v8: "v8", typescript: "ts", target: "x86_64-unknown-linux-gnu" },
    clock: o.clock,
    fs: o.fs,
  });
  return { code, stdout: out.text, stderr: err.text };
}
