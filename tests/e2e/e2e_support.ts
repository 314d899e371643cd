/**
 * Helpers shared by the end-to-end tests: reading a child's stdout until a
 * pattern shows up, and running other processes with a deadline (a hung
 * child fails its test instead of hanging the suite). The simulator is
 * tests/support/sim.ts's `withSim`, oet's process tests/support/spawn.ts's
 * `runOetProcess`.
 */

import { outputWithin, PROCESS_DEADLINE_MS } from "../support/spawn.ts";
import { changed, until } from "../support/wait.ts";

/** Collects a stream's text as it arrives; `done` resolves at its end. */
export class StreamText {
  text = "";
  readonly done: Promise<string>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      try {
        for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
          this.text += chunk;
          changed();
        }
        return this.text;
      } finally {
        changed();
      }
    })();
  }

  /** Resolves once the text so far matches `re`; throws after `ms` or at the stream's end. */
  async until(re: RegExp, ms = 10_000): Promise<void> {
    let ended = false;
    this.done.then(() => ended = true, () => ended = true).then(changed);
    await until(() => re.test(this.text) || ended, `output matching ${re}`, ms);
    if (!re.test(this.text)) {
      throw new Error(`output ended without matching ${re}:\n${this.text}`);
    }
  }
}

/** Quotes a word for `sh -c`. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** Where `name` is on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A finished process: status and decoded output. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; kills it and throws after `ms`. */
export async function runCommand(
  cmd: string,
  args: string[],
  options: Deno.CommandOptions = {},
  ms = PROCESS_DEADLINE_MS,
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    stdin: "null",
    ...options,
    args,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return await collect(child, `${cmd} ${args.join(" ")}`, ms);
}

async function collect(child: Deno.ChildProcess, what: string, ms: number): Promise<Ran> {
  const out = await outputWithin(child, what, ms);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
