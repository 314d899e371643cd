/**
 * `runCli`: parses the command line, runs the command, and turns whatever
 * happened into an exit code and, for errors, a message and a hint on
 * stderr. The only place that decides exit codes (via `exit_codes.ts`) and
 * the only place that prints errors. Everything it needs is injected, so
 * every command runs in-process in tests.
 */

import { CommanderError } from "commander";
import { OetClient } from "../api/client.ts";
import { Transport } from "../api/http.ts";
import { type Clock, type Context, systemClock } from "../commands/context.ts";
import {
  DEFAULT_SERVER_URL,
  type Env,
  loadDotEnv,
  resolveReconnectWindow,
  resolveRequestTimeout,
  resolveServerUrl,
  withDotEnv,
} from "../config/config.ts";
import {
  ConnectionError,
  InterruptedError,
  OetError,
  OutputClosedError,
} from "../domain/errors.ts";
import { redactText } from "../domain/redact.ts";
import { paint } from "../render/colour.ts";
import { escapeInline } from "../render/escape.ts";
import type { IO } from "../render/io.ts";
import { normalizeArgv } from "./argv.ts";
import { exitCodeFor } from "./exit_codes.ts";
import { buildProgram } from "./program.ts";
import { completionScript } from "./completion.ts";

/** Versions of the runtime, for `oet version --verbose`. */
export interface RuntimeInfo {
  deno: string;
  v8: string;
  typescript: string;
  target: string;
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
  clock?: Clock;
  random?: () => number;
}

/**
 * `OET_DEBUG`: `api` traces every HTTP request on stderr; `1` (or `true`)
 * adds stack traces to errors; `all` does both.
 */
function debugMode(env: Env): { api: boolean; stack: boolean } {
  const v = (env.OET_DEBUG ?? "").toLowerCase();
  return { api: v === "api" || v === "all", stack: v === "1" || v === "true" || v === "all" };
}

/** Prints an error (and its hint) the way every command does. */
function report(io: IO, err: unknown, stack: boolean, extraHint?: string): void {
  if (err instanceof OutputClosedError) return;
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return;
    if (err.code === "commander.help" || err.code === "commander.executeSubCommandAsync") return;
    // Commander's message may have a second line: "(Did you mean list?)".
    const lines = err.message.replace(/^error: /, "").split("\n");
    const text = lines.map((l) => escapeInline(redactText(l))).join("\n");
    io.err.write(`${paint("error:", "red", io.err.colour)} ${text}\n`);
    io.err.write(`${paint("hint:", "dim", io.err.colour)} run with --help for usage\n`);
    return;
  }
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

/** Runs `oet` with the given arguments; resolves to the exit code. */
export async function runCli(deps: Deps): Promise<number> {
  const io = deps.io;
  let debug = debugMode(deps.env);
  // Where the server URL came from, for the hint when it cannot be reached.
  let serverSource: string | undefined;
  try {
    const dotenv = await loadDotEnv(deps.readTextFile);
    const { env, fromDotEnv } = withDotEnv(deps.env, dotenv);
    // OET_DEBUG may come from .env too, like every OET_* setting.
    debug = debugMode(env);
    const clock = deps.clock ?? systemClock;
    const program: ReturnType<typeof buildProgram> = buildProgram({
      versionText: deps.version,
      context(): Context {
        const globals = program.opts() as { serverUrl?: string; requestTimeout?: string };
        const server = resolveServerUrl(globals.serverUrl, env, fromDotEnv);
        serverSource = server.source;
        const timeout = resolveRequestTimeout(globals.requestTimeout, env, fromDotEnv);
        const reconnectWindowMs = resolveReconnectWindow(env, fromDotEnv);
        let client: OetClient | undefined;
        return {
          io,
          clock,
          random: deps.random ?? Math.random,
          signal: deps.signal,
          readTextFile: deps.readTextFile,
          reconnectWindowMs,
          client() {
            client ??= new OetClient(
              new Transport({
                fetch: deps.fetch,
                baseUrl: server.value,
                timeoutMs: timeout.value,
                signal: deps.signal,
                userAgent: `oet/${deps.version}`,
                debug: debug.api
                  ? (line) => io.err.write(`${escapeInline(redactText(line))}\n`)
                  : undefined,
                now: clock.now,
              }),
            );
            return client;
          },
        };
      },
      version(verbose: boolean) {
        io.out.write(`oet ${deps.version}\n`);
        if (verbose) {
          const r = deps.runtime;
          io.out.write(
            `deno ${r.deno}\nv8 ${r.v8}\ntypescript ${r.typescript}\ntarget ${r.target}\n`,
          );
        }
      },
      completion(shell, tree) {
        io.out.write(completionScript(shell, tree as never));
      },
    });
    program
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.out.write(s),
        writeErr: (s) => io.err.write(s),
        outputError: () => {},
        // The same wrapping on a terminal, in a pipe and in tests.
        getOutHelpWidth: () => 100,
        getErrHelpWidth: () => 100,
      });
    applyToAll(program);
    await program.parseAsync(normalizeArgv(program as never, deps.args), { from: "user" });
    return 0;
  } catch (err) {
    const code = exitCodeFor(err);
    const unconfigured = err instanceof ConnectionError && serverSource === "the default"
      ? `no server is configured, so oet tried the default ${DEFAULT_SERVER_URL}; set --server-url or OET_REST_URI`
      : undefined;
    try {
      report(io, err, debug.stack, unconfigured);
    } catch {
      // stderr itself is gone: nothing more to say
    }
    return code;
  }
}

/** exitOverride/configureOutput are per command in commander: copy them down. */
function applyToAll(program: ReturnType<typeof buildProgram>): void {
  const settings = program.configureOutput();
  const visit = (c: typeof program) => {
    for (const sub of c.commands as (typeof program)[]) {
      sub.exitOverride().configureOutput(settings).showSuggestionAfterError(true);
      visit(sub);
    }
  };
  visit(program);
}
