/**
 * Helpers shared by the end-to-end tests: running other processes with a
 * deadline (a hung child fails its test instead of hanging the suite). The
 * simulator is tests/support/sim.ts's `withSim`, oet's process
 * tests/support/spawn.ts's `runOetProcess`, a child's output as it arrives
 * spawn.ts's `Collected`.
 */

import { outputWithin, PROCESS_DEADLINE_MS } from "../support/spawn.ts";

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
