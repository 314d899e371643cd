/**
 * What every command gets from the CLI layer: IO, the API client, a clock,
 * the interrupt signal. Commands never read the environment, never exit,
 * and never touch `Deno.stdout` themselves, so each one runs in-process in
 * tests with buffers, a fake clock and a local server.
 */

import type { OetClient } from "../../api/client.ts";
import type { TokenSource } from "../../auth/token_source.ts";
import type { Env, EnvName } from "../../config/config.ts";
import type { IO, Terminal } from "../../render/io.ts";

/** Time, injectable for tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** What `oet version` reports. */
export interface About {
  version: string;
  /** The commit the binary was built from (`dev` outside a release build). */
  commit: string;
  /** The build date (UTC, `YYYY-MM-DD`), or empty outside a release build. */
  date: string;
  deno: string;
  v8: string;
  typescript: string;
  target: string;
}

/** The environment a command runs in. */
export interface CommandContext {
  /** Versions, for `oet version`. */
  about: About;
  io: IO;
  /**
   * The API client for the configured server (made on first use). With an
   * override, a separate client for another server URL or request timeout
   * (shell completion reads the URL from the line being completed).
   */
  client(override?: { serverUrl?: string; requestTimeoutMs?: number }): OetClient;
  /** Where access tokens come from (`oet auth …`; loaded on first use). */
  tokens(): Promise<TokenSource>;
  clock: Clock;
  /** A number in [0, 1), for reconnect jitter. */
  random(): number;
  /**
   * Aborted when the user interrupts `oet` (Ctrl-C, SIGTERM); its reason is
   * an InterruptedError naming the signal.
   */
  signal: AbortSignal;
  /** Reads a local file (`--script-args=@file`). */
  readTextFile(path: string): Promise<string>;
  /** The keyboard and screen of a terminal (`oet console`); absent when there is none. */
  terminal?: Terminal;
  /** How long a lost event stream may stay down while waiting or listening. */
  reconnectWindowMs: number;
  /**
   * The settings as given, before they are resolved: the global flags, the
   * environment oet sees (`.env` merged in) and which keys came from `.env`,
   * for `oet doctor` to say where each setting came from.
   */
  settings: {
    serverUrl?: string;
    requestTimeout?: string;
    env: Env;
    fromDotEnv: ReadonlySet<EnvName>;
  };
}

/**
 * A real clock (used by main.ts and most tests). It sleeps on
 * `AbortSignal.timeout`, not `setTimeout`: in Deno 2.9 the global timers
 * are Node's (`node:timers`), and the first `setTimeout` loads Deno's Node
 * compatibility layer (21 modules, about a fifth of a bare start).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = AbortSignal.timeout(Math.max(0, Math.round(ms)));
      const onTimer = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        timer.removeEventListener("abort", onTimer);
        reject(signal!.reason);
      };
      timer.addEventListener("abort", onTimer, { once: true });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
