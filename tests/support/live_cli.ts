/**
 * Runs `oet` in-process like tests/support/cli.ts, but lets the test look
 * at stdout and stderr while the command is still running and interrupt it
 * (as Ctrl-C would): for commands that run until stopped, such as `listen`.
 */

import denoJson from "../../deno.json" with { type: "json" };
import { runCli } from "../../src/cli/main.ts";
import type { Env } from "../../src/config/config.ts";
import { InterruptedError } from "../../src/domain/errors.ts";
import type { OutStream } from "../../src/render/io.ts";
import type { RunResult } from "./cli.ts";
import { changed, until } from "./wait.ts";

class Live implements OutStream {
  text = "";
  readonly colour = false;
  constructor(readonly isTerminal: boolean) {}
  write(text: string): void {
    this.text += text;
    changed();
  }
}

/** A running in-process `oet`. */
export interface LiveRun {
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `re`; rejects after `ms` or if the command ended first. */
  until(re: RegExp, ms?: number): Promise<void>;
  /** The same for stderr. */
  untilErr(re: RegExp, ms?: number): Promise<void>;
  /** Interrupts it as Ctrl-C would, and waits for its end. */
  interrupt(): Promise<RunResult>;
  readonly done: Promise<RunResult>;
}

/** Starts `oet <args>` in-process; it runs until it ends or is interrupted. */
export function startOet(args: string[], o: { env?: Env; tty?: boolean } = {}): LiveRun {
  const out = new Live(o.tty ?? false);
  const err = new Live(o.tty ?? false);
  const stop = new AbortController();
  let ended = false;
  const done = runCli({
    args,
    env: o.env ?? {},
    io: { out, err },
    fetch,
    readTextFile: (path) => Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`)),
    signal: stop.signal,
    version: denoJson.version,
    runtime: { deno: "2.9.6", v8: "v8", typescript: "ts", target: "x86_64-unknown-linux-gnu" },
  }).then((code) => {
    ended = true;
    changed();
    return { code, stdout: out.text, stderr: err.text };
  });
  // Event-based: every write and the end wake the wait.
  const waitText = async (stream: Live, re: RegExp, ms = 30_000) => {
    await until(() => ended || re.test(stream.text), `${re}`, ms, () => stream.text);
    if (!re.test(stream.text)) {
      throw new Error(`oet ended without printing ${re}:\n${out.text}${err.text}`);
    }
  };
  return {
    stdout: () => out.text,
    stderr: () => err.text,
    until: (re, ms) => waitText(out, re, ms),
    untilErr: (re, ms) => waitText(err, re, ms),
    interrupt() {
      stop.abort(new InterruptedError("SIGINT"));
      return done;
    },
    done,
  };
}
