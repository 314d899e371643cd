/**
 * What every command gets from the CLI layer: IO, the API client, a clock,
 * the interrupt signal. Commands never read the environment, never exit,
 * and never touch `Deno.stdout` themselves, so each one runs in-process in
 * tests with buffers, a fake clock and a local server.
 */

import type { OetClient } from "../api/client.ts";
import type { IO } from "../render/io.ts";

/** Time, injectable for tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The environment a command runs in. */
export interface Context {
  io: IO;
  /** The API client for the configured server (made on first use). */
  client(): OetClient;
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
  /** How long a lost event stream may stay down while waiting or listening. */
  reconnectWindowMs: number;
}

/** A real clock (used by main.ts and most tests). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
