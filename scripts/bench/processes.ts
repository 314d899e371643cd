/**
 * Running and timing the processes the benchmark compares: `oet` in the form
 * the build compiles (main.ts bundled by scripts/bundle.ts, run with
 * `deno run --quiet <PERMISSION_FLAGS> <RUN_FLAGS>`), `oet` from source as
 * the tests run it, scripts with the same flags, and curl. Every process
 * gets a clean environment (no proxy for loopback, no RUST_BACKTRACE, no
 * colour), and a non-zero exit is an error, so a broken command can never
 * pass for a fast one.
 */

import { bundleOet } from "../bundle.ts";
import { PERMISSION_FLAGS, RUN_FLAGS } from "../permissions.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const TIME = "/usr/bin/time";

/** The flags of the built form, and of every script compared with it. */
const FLAGS = [...PERMISSION_FLAGS, ...RUN_FLAGS];

/** A command line with its environment. */
export interface Cmd {
  program: string;
  args: string[];
  env: Record<string, string>;
  /** How the tables show it. */
  label: string;
}

/** The environment of every spawned process. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...extra,
  };
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir) env.DENO_DIR = denoDir;
  return env;
}

/** The bundle of this checkout while `withBuiltOet` runs. */
let built: string | undefined;

/**
 * Bundles this checkout as the build does (scripts/bundle.ts, into a
 * temporary folder of dist/, inside the project so that deno.json's import
 * map applies), runs `fn`, and removes the bundle.
 */
export async function withBuiltOet<T>(fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: `${ROOT}dist`, prefix: ".bench-" });
  try {
    built = await bundleOet(`${dir}/bundle`);
    return await fn();
  } finally {
    built = undefined;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Which oet runs: `"built"`, the form the build compiles (the default);
 * `"source"`, main.ts with PERMISSION_FLAGS as the end-to-end tests run it;
 * or another checkout's entry and flags (an earlier version, `--before`:
 * the form its own build compiled, scripts/bench/before.ts).
 */
export type OetForm = "built" | "source" | { entry: string; flags: readonly string[] };

/** `oet <args>` in the given form. */
export function oet(
  args: string[],
  label: string,
  env: Record<string, string> = {},
  form: OetForm = "built",
): Cmd {
  if (form === "built" && built === undefined) throw new Error("oet(): not inside withBuiltOet");
  const [flags, entry] = form === "built"
    ? [FLAGS, built!]
    : form === "source"
    ? [PERMISSION_FLAGS, MAIN]
    : [form.flags, form.entry];
  return {
    program: Deno.execPath(),
    args: ["run", "--quiet", ...flags, entry, ...args],
    env: benchEnv(env),
    label,
  };
}

/** A script run with exactly the built oet's `deno run` flags (the floors and probes). */
export function denoScript(path: string, label: string, args: string[] = []): Cmd {
  return {
    program: Deno.execPath(),
    args: ["run", "--quiet", ...FLAGS, path, ...args],
    env: benchEnv(),
    label,
  };
}

/** `curl <args>`. */
export function curl(args: string[], label: string): Cmd {
  return { program: "curl", args, env: benchEnv(), label };
}

function spawn(cmd: Cmd, stdout: "null" | "piped", wrap: string[] = []): Deno.ChildProcess {
  return new Deno.Command(wrap.length ? wrap[0] : cmd.program, {
    args: wrap.length ? [...wrap.slice(1), cmd.program, ...cmd.args] : cmd.args,
    env: cmd.env,
    clearEnv: true,
    stdin: "null",
    stdout,
    stderr: "piped",
  }).spawn();
}

function failure(cmd: Cmd, code: number, stderr: Uint8Array): Error {
  const text = new TextDecoder().decode(stderr).trim().split("\n").slice(-5).join("\n");
  return new Error(`${cmd.label} exited ${code}${text ? `:\n${text}` : ""}`);
}

/** Wall time of one run in ms, stdout to /dev/null. */
export async function timeRun(cmd: Cmd): Promise<number> {
  const t0 = performance.now();
  const out = await spawn(cmd, "null").output();
  const elapsed = performance.now() - t0;
  if (!out.success) throw failure(cmd, out.code, out.stderr);
  return elapsed;
}

/** Runs once and returns stdout (to check that a command does what it is timed for). */
export async function capture(cmd: Cmd): Promise<string> {
  const out = await spawn(cmd, "piped").output();
  if (!out.success) throw failure(cmd, out.code, out.stderr);
  return new TextDecoder().decode(out.stdout);
}

/** True when GNU time is there to report a finished process's peak RSS. */
export async function haveTime(): Promise<boolean> {
  try {
    return (await Deno.stat(TIME)).isFile;
  } catch {
    return false;
  }
}

/** Peak RSS (KiB) of one run, from GNU time's `%M` (the process's ru_maxrss). */
export async function peakRssOfRun(cmd: Cmd): Promise<number> {
  const out = await spawn(cmd, "null", [TIME, "-f", "bench-maxrss-kib=%M"]).output();
  if (!out.success) throw failure(cmd, out.code, out.stderr);
  const match = new TextDecoder().decode(out.stderr).match(/bench-maxrss-kib=(\d+)/);
  if (!match) throw new Error(`${cmd.label}: no peak RSS from ${TIME}`);
  return Number(match[1]);
}

/** When a stream drain is complete: a number of newlines, or of bytes, on stdout. */
export type DrainTarget = { newlines: number } | { bytes: number };

/** One drain: wall time from spawn to the last expected byte, and the peak RSS then. */
export interface Drain {
  ms: number;
  /** VmHWM of the process when the last byte arrived, in KiB. */
  peakKib: number;
  /** The last few KB of stdout, to check what arrived last. */
  tail: string;
}

/**
 * Runs a client of a stream that stays open, reads its stdout until `target`
 * is reached, takes its peak RSS from /proc, and ends it with SIGTERM.
 */
export async function drain(cmd: Cmd, target: DrainTarget, timeoutMs = 120_000): Promise<Drain> {
  const t0 = performance.now();
  const child = spawn(cmd, "piped");
  const stderr = new Response(child.stderr).bytes();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const reader = child.stdout.getReader();
  let newlines = 0, bytes = 0;
  let tail = new Uint8Array(0);
  const wanted = "newlines" in target ? target.newlines : target.bytes;
  try {
    while (("newlines" in target ? newlines : bytes) < wanted) {
      const { done, value } = await reader.read();
      if (done) {
        if (timedOut) throw new Error(`${cmd.label}: no end of stream after ${timeoutMs} ms`);
        const status = await child.status;
        throw failure(cmd, status.code, await stderr);
      }
      bytes += value.length;
      for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) newlines++;
      tail = value.length >= 4096 ? value.slice(-4096) : concat(tail, value).slice(-4096);
    }
    const elapsed = performance.now() - t0;
    const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
    const hwm = status.match(/^VmHWM:\s+(\d+) kB/m);
    if (!hwm) throw new Error(`${cmd.label}: no VmHWM in /proc/${child.pid}/status`);
    return { ms: elapsed, peakKib: Number(hwm[1]), tail: new TextDecoder().decode(tail) };
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await stderr.catch(() => {});
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
