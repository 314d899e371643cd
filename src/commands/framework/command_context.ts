/**
 * What every command gets from the CLI layer: IO, the API client, a clock,
 * the interrupt signal. Commands never read the environment, never exit,
 * and never touch `Deno.stdout` themselves, so each one runs in-process in
 * tests with buffers, a fake clock and a local server.
 */

import type { OetClient } from "../../api/client.ts";
import type { TokenSource } from "../../auth/token_source.ts";
import type { Env, EnvName } from "../../config/config.ts";
import type { ConfigData, LoadedConfig } from "../../config/file.ts";
import type { Target } from "../../config/target.ts";
import type { Clock } from "../../domain/clock.ts";
import type { IO, Terminal } from "../../render/io.ts";

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
    /** `--context NAME`. */
    context?: string;
    env: Env;
    fromDotEnv: ReadonlySet<EnvName>;
  };
  /**
   * Where this command goes: the server URL, the context in effect (if any)
   * and why, the protection that applies (src/config/target.ts). Reads the
   * configuration file on first use; a bad setting is a UsageError.
   */
  target(): Promise<Target>;
  /** The target once resolved (before `run` for commands that use the server), else undefined. */
  resolvedTarget(): Target | undefined;
  /** The configuration file, for `oet context …`. */
  config: {
    /** Reads it (missing: empty; malformed: a UsageError). */
    load(): Promise<LoadedConfig>;
    /** Rewrites it atomically (its directory created 0700). */
    save(config: LoadedConfig, data: ConfigData): Promise<void>;
  };
}
