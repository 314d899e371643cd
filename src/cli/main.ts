/**
 * `runCli`: parses the command line, runs the command, and turns whatever
 * happened into an exit code and, for errors, a message and a hint on
 * stderr. The only place that decides exit codes (via `exit_codes.ts`) and
 * the only place that prints errors. Everything it needs is injected, so
 * every command runs in-process in tests.
 */

import { OetClient } from "../api/client.ts";
import { Transport } from "../api/http.ts";
import type { About, CommandContext } from "../commands/framework/command_context.ts";
import { type Clock, systemClock } from "../domain/clock.ts";
import {
  DEFAULT_SERVER_URL,
  dropEmptyCredentials,
  type Env,
  loadDotEnv,
  resolveReconnectWindow,
  resolveRequestTimeout,
  resolveServerUrl,
  withDotEnv,
} from "../config/config.ts";
import { configPath, type LoadedConfig, readConfig, writeConfig } from "../config/file.ts";
import { authEnvFor, resolveTarget, type Target, targetRequestTimeout } from "../config/target.ts";
import {
  ConnectionError,
  HttpError,
  InterruptedError,
  OetError,
  OutputClosedError,
  UsageError,
} from "../domain/errors.ts";
import { redactText } from "../domain/redact.ts";
import { paint } from "../render/colour.ts";
import { escapeInline } from "../domain/escape.ts";
import type { IO, Terminal } from "../render/io.ts";
import type { AuthFs } from "../auth/fs.ts";
import { note, warn } from "../commands/framework/feedback.ts";
import { credentialsFor } from "./credentials.ts";
import { exitCodeFor } from "./exit_codes.ts";
import { parseArgv } from "./parse.ts";
import { buildTree, helpFor } from "./root.ts";
import { isMissingFileError } from "../domain/files.ts";

/** Versions of the runtime, for `oet version --verbose`. */
export interface RuntimeInfo {
  deno: string;
  v8: string;
  typescript: string;
  target: string;
}

/** What a release build embeds (scripts/build.ts); absent in development. */
export interface BuildInfo {
  commit: string;
  /** UTC date, `YYYY-MM-DD`. */
  date: string;
}

/** Everything `oet` takes from the outside world. */
export interface Deps {
  args: readonly string[];
  /** Exactly the variables in ENV_VARS (see config.ts). */
  env: Env;
  io: IO;
  fetch: typeof fetch;
  readTextFile(path: string): Promise<string>;
  /** Aborted on Ctrl-C/SIGTERM with an InterruptedError as the reason. */
  signal: AbortSignal;
  version: string;
  runtime: RuntimeInfo;
  build?: BuildInfo;
  /** The file system for OET_TOKEN_FILE and the login cache (Deno's by default). */
  fs?: AuthFs;
  clock?: Clock;
  random?: () => number;
  /** The keyboard and screen, for `oet console` (none: not a terminal). */
  terminal?: Terminal;
}

/**
 * `OET_DEBUG`: `api` traces every HTTP request on stderr; `1` (or `true`)
 * adds stack traces to errors; `all` does both.
 */
function debugMode(env: Env): { api: boolean; stack: boolean; unknown?: string } {
  const v = (env.OET_DEBUG ?? "").trim().toLowerCase();
  return {
    api: v === "api" || v === "all",
    stack: v === "1" || v === "true" || v === "all",
    // Empty, 0 and false mean off; anything else unknown is said once.
    unknown: DEBUG_VALUES.includes(v) ? undefined : env.OET_DEBUG,
  };
}

/** The values OET_DEBUG knows ("" is off). */
const DEBUG_VALUES = ["", "0", "false", "api", "1", "true", "all"];

/** Prints an error (and its hint) the way every command does. */
function report(io: IO, err: unknown, stack: boolean, extraHint?: string): void {
  if (err instanceof OutputClosedError) return;
  if (err instanceof InterruptedError && err.quiet) return;
  const message = escapeInline(redactText(err instanceof Error ? err.message : String(err)));
  // An interrupt is the user's own doing, not an error: say what became of the work.
  if (err instanceof InterruptedError) io.err.write(`${message}\n`);
  else io.err.write(`${paint("error:", "red", io.err.colour)} ${message}\n`);
  const hint = [err instanceof OetError ? err.hint : undefined, extraHint]
    .filter((h) => h !== undefined).join("\n");
  for (const line of hint ? hint.split("\n") : []) {
    io.err.write(`${paint("hint:", "dim", io.err.colour)} ${escapeInline(redactText(line))}\n`);
  }
  if (stack && err instanceof Error && err.stack) io.err.write(`${redactText(err.stack)}\n`);
  else if (!(err instanceof OetError)) {
    io.err.write(
      `${
        paint("hint:", "dim", io.err.colour)
      } this looks like a bug in oet; OET_DEBUG=1 shows the stack trace\n`,
    );
  }
}

/** A file that is not there reads as undefined (the configuration file is optional). */
function missingAsUndefined(err: unknown): undefined {
  if (isMissingFileError(err)) return undefined;
  throw err;
}

/**
 * A routing 404 (not an unknown id) with no hint of its own: the API root is
 * wrong. Probe the usual roots once, as `oet doctor` does, and name the one
 * that answers.
 */
async function wrongRootHint(
  err: unknown,
  ctx: CommandContext | undefined,
  url: URL | undefined,
  source: string | undefined,
): Promise<string | undefined> {
  if (
    !(err instanceof HttpError && err.status === 404 && !err.resourceMissing &&
      err.hint === undefined) || !ctx || !url || !source
  ) {
    return undefined;
  }
  try {
    const { rightRootHint } = await import("../commands/doctor/api_root.ts");
    return await rightRootHint(ctx, url, source, err.serverMessage);
  } catch {
    // The probe is a courtesy: the error itself is what matters.
    return undefined;
  }
}

/** Runs `oet` with the given arguments; resolves to the exit code. */
export async function runCli(deps: Deps): Promise<number> {
  const io = deps.io;
  let debug = debugMode(deps.env);
  // Where the server URL came from, for the hint when it cannot be reached.
  let serverSource: string | undefined;
  let serverUrl: URL | undefined;
  let context: CommandContext | undefined;
  try {
    const tree = buildTree();
    const parsed = await parseArgv(tree, deps.args);
    const about: About = {
      version: deps.version,
      commit: deps.build?.commit ?? "dev",
      date: deps.build?.date ?? "",
      ...deps.runtime,
    };
    if (parsed.kind === "help") {
      io.out.write(await helpFor(tree, parsed.path, io.out.columns));
      return 0;
    }
    if (parsed.kind === "version") {
      const { versionLine } = await import("../commands/version/version.ts");
      io.out.write(`${versionLine(about)}\n`);
      return 0;
    }
    const dotenv = await loadDotEnv(deps.readTextFile);
    const merged = withDotEnv(deps.env, dotenv);
    const fromDotEnv = merged.fromDotEnv;
    // An empty OET_TOKEN is a CI secret that is not set: no token, said once.
    const { env, notes: emptyNotes } = dropEmptyCredentials(merged.env);
    // OET_DEBUG may come from .env too, like every OET_* setting.
    debug = debugMode(env);
    if (debug.unknown !== undefined) {
      warn(
        io,
        `OET_DEBUG=${debug.unknown} is not a known value (api, 1 or all; empty, 0 or false: off); ignored`,
      );
    }
    if (parsed.command.usesServer || parsed.path.some((n) => n.name === "auth")) {
      for (const line of emptyNotes) note(io, line);
    }
    const clock = deps.clock ?? systemClock;
    const globals = parsed.globals;
    const traceApi = debug.api
      ? (line: string) => io.err.write(`${escapeInline(redactText(line))}\n`)
      : undefined;
    // The configuration file: read on first need (never for help, version,
    // completion); with no file, nothing more than one failed read.
    let loading: Promise<LoadedConfig> | undefined;
    const loadConfig = () =>
      loading ??= (async () => {
        const where = configPath(deps.env) ??
          { path: "~/.config/oet/config.toml", source: "HOME" };
        const read = deps.fs
          ? (path: string) => deps.fs!.readTextFile(path)
          : (path: string) => deps.readTextFile(path).catch(missingAsUndefined);
        return await readConfig(read, where);
      })();
    let resolving: Promise<Target> | undefined;
    let target: Target | undefined;
    const targetOf = () =>
      resolving ??= (async () =>
        target = resolveTarget(globals, env, fromDotEnv, await loadConfig()))();
    // Credentials follow the target: the context in effect may name the login.
    const creds = new Map<Target | undefined, ReturnType<typeof credentialsFor>>();
    const credentialsOf = (t: Target | undefined) => {
      const known = creds.get(t);
      if (known) return known;
      const auth = authEnvFor(env, t);
      const made = credentialsFor({
        env: auth.env,
        labels: auth.labels,
        fromDotEnv,
        fs: deps.fs,
        clock,
        fetch: deps.fetch,
        debug: traceApi,
      });
      creds.set(t, made);
      return made;
    };
    let client: OetClient | undefined;
    const ctx: CommandContext = {
      io,
      about,
      clock,
      random: deps.random ?? Math.random,
      signal: deps.signal,
      readTextFile: deps.readTextFile,
      terminal: deps.terminal,
      tokens: async () => credentialsOf(await targetOf()).tokens(),
      // For oet doctor, which says where each setting came from.
      settings: { ...globals, env, fromDotEnv },
      target: targetOf,
      resolvedTarget: () => target,
      config: {
        load: loadConfig,
        async save(config, data) {
          if (configPath(deps.env) === undefined) {
            throw new UsageError(
              "cannot tell where to keep the contexts: neither HOME nor XDG_CONFIG_HOME is an absolute path",
              { hint: "set OET_CONFIG to a file, or HOME to a directory of your own" },
            );
          }
          const fs = deps.fs ?? (await import("../auth/fs.ts")).denoAuthFs;
          await writeConfig(fs, config.path, data, deps.random ?? Math.random);
          loading = undefined;
          resolving = undefined;
        },
      },
      get reconnectWindowMs() {
        return resolveReconnectWindow(env, fromDotEnv);
      },
      client(override) {
        if (client && !override) return client;
        if (!override?.serverUrl && !target) {
          throw new Error(
            "the target must be resolved before a client is made (await ctx.target())",
          );
        }
        const server = override?.serverUrl !== undefined || !target
          ? resolveServerUrl(override?.serverUrl ?? globals.serverUrl, env, fromDotEnv)
          : { value: target.url, source: target.urlSource };
        const timeout = target
          ? targetRequestTimeout(globals.requestTimeout, env, fromDotEnv, target)
          : resolveRequestTimeout(globals.requestTimeout, env, fromDotEnv);
        // A context's login goes only to its own server (shell completion may name another).
        const sameOrigin = target !== undefined && server.value.origin === target.url.origin;
        const { credentials } = credentialsOf(sameOrigin ? target : undefined);
        const made = new OetClient(
          new Transport({
            fetch: deps.fetch,
            baseUrl: server.value,
            timeoutMs: override?.requestTimeoutMs ?? timeout.value,
            signal: deps.signal,
            userAgent: `oet/${deps.version}`,
            credentials,
            debug: traceApi,
            now: clock.now,
          }),
        );
        if (override) return made;
        serverSource = server.source;
        serverUrl = server.value;
        return client = made;
      },
    };
    context = ctx;
    if (parsed.command.usesServer) {
      // Settings are checked before anything is sent, whatever the command.
      await targetOf();
      ctx.client();
      void ctx.reconnectWindowMs;
    }
    await parsed.command.run(ctx, {
      opts: parsed.opts,
      args: parsed.args,
      keywords: parsed.keywords,
    });
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    const unconfigured = err instanceof ConnectionError && serverSource === "the default"
      ? `no server is configured, so oet tried the default ${DEFAULT_SERVER_URL}; set --server-url or OET_REST_URI`
      : undefined;
    const extra = unconfigured ?? await wrongRootHint(err, context, serverUrl, serverSource);
    try {
      report(io, err, debug.stack, extra);
    } catch {
      // stderr itself is gone: nothing more to say
    }
    return code;
  }
}
