/**
 * Runs `oet` as a real process: `deno run <the binary's permission flags>
 * main.ts`, or the compiled binary named by `OET_BINARY`. End-to-end tests
 * use it for exit codes, signals, pipes and permissions. Also what any
 * child process a test starts needs: a run with a deadline
 * ({@link runCommand}: a hung child fails its test instead of hanging the
 * suite), its output as it arrives ({@link Collected}), a kill that waits
 * for the end, and finding a program on PATH.
 */

import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { changed, until } from "./wait.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/**
 * The command line that starts oet: [program, ...leading args]. With
 * `entry`, `deno run` of that module (a test-only wrapper of main.ts) with
 * the same permissions.
 */
export function oetCommand(entry?: string): [string, string[]] {
  const binary = Deno.env.get("OET_BINARY");
  if (binary && !entry) return [binary, []];
  return [Deno.execPath(), ["run", "--quiet", ...PERMISSION_FLAGS, entry ?? MAIN]];
}

/** Options of a spawned run. */
export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
}

/** A finished run. */
export interface SpawnResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/**
 * The variables that name the certificate authorities to trust (read by the
 * runtime itself). A clean environment keeps them: behind a TLS-intercepting
 * proxy, a fresh DENO_DIR fetches npm packages only with them, and they only
 * add trust in the machine's own CAs (the TLS tests make a CA of their own).
 */
export const CA_VARIABLES = [
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
] as const;

/** The proxy variables: kept only for a child that downloads packages (`network`). */
export const PROXY_VARIABLES = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
] as const;

/** What a clean environment keeps beyond its own variables. */
export interface BaseEnvOptions {
  /**
   * The child may download packages (a fresh DENO_DIR: `deno bundle`, `deno
   * install`): keep the proxy variables too. Loopback stays exempt (NO_PROXY).
   */
  network?: boolean;
  /** Where the kept variables come from: the test's own environment. */
  from?: Record<string, string>;
}

/**
 * A clean environment: no proxy for loopback, no colour, no Rust backtraces;
 * the CA variables of the test's own environment (and its proxy variables
 * with `network`), then `extra`.
 */
export function baseEnv(
  extra: Record<string, string> = {},
  o: BaseEnvOptions = {},
): Record<string, string> {
  const from = o.from ?? Deno.env.toObject();
  const kept: Record<string, string> = {};
  for (const name of [...CA_VARIABLES, ...(o.network ? PROXY_VARIABLES : [])]) {
    const value = from[name];
    if (value !== undefined) kept[name] = value;
  }
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
    ...kept,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    DENO_NO_UPDATE_CHECK: "1",
    ...extra,
  };
}

/** Starts oet; the caller reads its output and status. */
export function spawnOet(args: string[], o: SpawnOptions = {}): Deno.ChildProcess {
  const [program, lead] = oetCommand();
  const env = baseEnv(o.env);
  if (!env.DENO_DIR) delete env.DENO_DIR;
  const child = new Deno.Command(program, {
    args: [...lead, ...args],
    env,
    clearEnv: true,
    cwd: o.cwd,
    stdin: o.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Its end wakes the tests' waits (`until` in wait.ts).
  child.status.then(changed, changed);
  return child;
}

/** How long any one process a test starts may run. */
export const PROCESS_DEADLINE_MS = 30_000;

/**
 * Runs oet as a process to its end and collects its output (the one way a
 * test runs the real process; `runOet` in cli.ts runs it in-process). A
 * process still running after `ms` is killed and fails the test, instead of
 * hanging the suite.
 */
export async function runOetProcess(
  args: string[],
  o: SpawnOptions = {},
  ms = PROCESS_DEADLINE_MS,
): Promise<SpawnResult> {
  const child = spawnOet(args, o);
  if (o.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(o.stdin));
    await w.close();
  }
  const out = await outputWithin(child, `oet ${args.join(" ")}`, ms);
  const dec = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Resolves as `p` does, or rejects naming `what` after `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A child's output once it ends; kills it and throws naming `what` after `ms`. */
export async function outputWithin(
  child: Deno.ChildProcess,
  what: string,
  ms = PROCESS_DEADLINE_MS,
): Promise<Deno.CommandOutput> {
  const output = child.output();
  try {
    return await within(output, ms, what);
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch {
      // it ended after all
    }
    await output.catch(() => {});
    throw err;
  }
}

/** Collects a child's output as it arrives; `done` resolves at its end. */
export class Collected {
  text = "";
  readonly done: Promise<string>;
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      try {
        for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
          this.text += chunk;
          changed();
        }
        return this.text;
      } finally {
        this.#ended = true;
        changed();
      }
    })();
  }

  /** Resolves once the text matches `re`; throws at the end of the stream or after `ms`. */
  async until(re: RegExp, ms = 10_000): Promise<void> {
    await until(() => this.#ended || re.test(this.text), `${re}`, ms, () => this.text);
    if (!re.test(this.text)) throw new Error(`output ended without ${re}:\n${this.text}`);
  }
}

/** Kills a child that may still run, and waits for it and its collected output. */
export async function reap(
  child: Deno.ChildProcess,
  ...outputs: (Collected | undefined)[]
): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // it has ended already
  }
  await Promise.allSettled([child.status, ...outputs.map((o) => o?.done)]);
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
