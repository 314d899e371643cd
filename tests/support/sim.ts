/**
 * The local OET simulator for command tests: one per test, fast steps, and
 * helpers to run `oet` against it and to normalise what changes from run to
 * run (times, ports, made-up OS process ids, temp file names).
 */

import type { Flavor } from "../../sim/src/flavor.ts";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../sim/src/server.ts";
import { runOet, type RunOptions, type RunResult } from "./cli.ts";
import { Collected, reap } from "./spawn.ts";
import { changed } from "./wait.ts";

/** The flavours every command is tested against (typed narrowly: tables keyed by them stay exhaustive). */
export const FLAVORS: readonly ("v5" | "v7")[] = ["v5", "v7"];

/**
 * Starts a simulator whose every change wakes the tests' waits (`until` in
 * wait.ts): the one way a test starts one (an `onChange` of its own is
 * called too).
 */
export function startSim(options: SimulatorOptions): Simulator {
  const own = options.onChange;
  return startSimulator({
    ...options,
    onChange: (what) => {
      own?.(what);
      changed();
    },
  });
}

/**
 * Runs `fn` with a fresh simulator, and closes it whatever happens. The
 * third argument is the step time in ms (default 5), or simulator options.
 */
export async function withSim<T>(
  flavor: Flavor,
  fn: (sim: Simulator, oet: (args: string[], o?: RunOptions) => Promise<RunResult>) => Promise<T>,
  options: number | Omit<SimulatorOptions, "flavor"> = 5,
): Promise<T> {
  const sim = startSim(
    typeof options === "number" ? { flavor, stepMs: options } : { stepMs: 5, ...options, flavor },
  );
  try {
    return await fn(
      sim,
      (args, o = {}) => runOet(args, { ...o, env: { OET_REST_URI: sim.baseUrl, ...o.env } }),
    );
  } finally {
    await sim.close();
  }
}

/** A simulator in a process of its own (see {@link spawnSim}). */
export interface SimProcess {
  readonly child: Deno.ChildProcess;
  /** The base URL it printed. */
  readonly baseUrl: string;
  readonly out: Collected;
  readonly err: Collected;
  /** Kills it (if it still runs) and waits for its end. */
  close(): Promise<void>;
}

/**
 * Starts `sim/main.ts` as a process of its own, with `--port 0 --flavor
 * <flavor>` and `args` (its command-line options), and resolves once it has
 * printed its base URL. Only for a test that needs the server outside the
 * test's process, such as one that kills it (SIGKILL: it dies without
 * closing its connections, as a crashed host does, which an in-process
 * simulator cannot do); every other test uses {@link withSim}.
 */
export async function spawnSim(flavor: Flavor, args: string[] = []): Promise<SimProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      new URL("../../sim/main.ts", import.meta.url).pathname,
      ...["--port", "0", "--flavor", flavor, ...args],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Its end wakes the tests' waits (`until` in wait.ts).
  child.status.then(changed, changed);
  const out = new Collected(child.stdout);
  const err = new Collected(child.stderr);
  const close = () => reap(child, out, err);
  try {
    await out.until(/^http:\S+\n/);
  } catch (e) {
    await close();
    throw new Error(`the simulator did not start: ${err.text}`, { cause: e });
  }
  return { child, baseUrl: out.text.trim(), out, err, close };
}

/** Replaces what varies between runs with fixed placeholders. */
export function normalize(text: string, sim?: Simulator): string {
  let t = text;
  if (sim) t = t.replaceAll(sim.origin, "http://127.0.0.1:PORT");
  return t
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}/g, "YYYY-MM-DD HH:MM:SS.ffffff")
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, "YYYY-MM-DD HH:MM:SS")
    .replace(/OS process \d+/g, "OS process N")
    // Whether a start still had to wait for READY depends on timing.
    .replace(/^procedure \d+ is \w+; waiting until it is READY\n/gm, "")
    .replace(/sbd-([\w-]+?)-1-\d+\.json/g, "sbd-$1-1-NNN.json")
    .replace(/sbi-t0001-\d{8}-(\d+)/g, "sbi-t0001-YYYYMMDD-$1")
    .replace(/tmp\w{8}\.json/g, "tmpXXXXXXXX.json");
}
