/**
 * The `oet` executable: wires the real world (arguments, the environment
 * variables oet reads, stdout/stderr, fetch, signals) into `runCli` and sets
 * the exit code. Everything else lives in `src/`.
 *
 * A release build (scripts/build.ts) compiles an entry that calls `main()`
 * with the commit and date it was built from; `deno run main.ts` is a
 * development build.
 */

import denoJson from "./deno.json" with { type: "json" };
import { type BuildInfo, runCli } from "./src/cli/main.ts";
import { type Env, ENV_VARS } from "./src/config/config.ts";
import { InterruptedError, OutputClosedError, OutputWriteError } from "./src/domain/errors.ts";
import { colourAllowed } from "./src/render/colour.ts";
import type { InStream, OutStream, Terminal } from "./src/render/io.ts";

const encoder = new TextEncoder();

/** A signal this soon after the first is the same keypress delivered twice, not a second one. */
const SECOND_SIGNAL_AFTER_MS = 500;

/**
 * A stream that writes at once. A reader that went away ends oet quietly
 * (OutputClosedError); any other failure of stdout (a full disk, a bad
 * descriptor) is an OutputWriteError: exit 1 with a plain message. (A
 * descriptor closed before oet starts, `>&-`, cannot be seen: the runtime
 * reopens it on /dev/null, and /proc/self is closed to the binary.)
 */
function stream(file: typeof Deno.stdout, env: Env, name: string, fd: number): OutStream {
  const isTerminal = file.isTerminal();
  let columns: number | undefined;
  if (isTerminal) {
    try {
      columns = Deno.consoleSize().columns;
    } catch {
      // not a console after all (a pseudo-terminal without a size)
    }
  }
  return {
    isTerminal,
    columns,
    size: isTerminal
      ? () => {
        try {
          return Deno.consoleSize();
        } catch {
          return undefined;
        }
      }
      : undefined,
    colour: colourAllowed(isTerminal, env),
    write(text: string) {
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (err) {
        if (err instanceof Deno.errors.BrokenPipe) throw new OutputClosedError("output closed");
        // Messages that cannot be written have no one to tell; data must not vanish.
        if (fd !== 1) return;
        throw new OutputWriteError(
          `cannot write to ${name}: ${(err as Error).message.replace(/ \(os error \d+\)$/, "")}`,
        );
      }
    },
  };
}

/** Leaves the alternate screen and shows the cursor again (written only if taken over). */
const GIVE_BACK = "\x1b[?25h\x1b[?1049l";
/** Enters the alternate screen and hides the cursor. */
const TAKE_OVER = "\x1b[?1049h\x1b[?25l";

/**
 * The real terminal for `oet console`: raw keys from stdin, SIGWINCH for a
 * resize. Nothing is touched until `takeOver`, so every other command keeps
 * the terminal as it is.
 */
function terminal(): Terminal {
  let taken = false;
  let stopResize: (() => void) | undefined;
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  const giveBack = () => tty.restore();
  const tty: Terminal = {
    interactive,
    size: () => Deno.consoleSize(),
    takeOver(onKeys, onResize) {
      if (taken || !interactive) return;
      taken = true;
      // Whatever ends oet from now on, the terminal is given back first.
      // (Only from now on: the first listener on globalThis costs every
      // command about 0.2 ms, and before this there is nothing to give back.)
      globalThis.addEventListener("error", giveBack);
      globalThis.addEventListener("unhandledrejection", giveBack);
      Deno.stdin.setRaw(true);
      Deno.stdout.writeSync(encoder.encode(TAKE_OVER));
      if (Deno.build.os !== "windows") {
        const onWinch = () => taken && onResize();
        Deno.addSignalListener("SIGWINCH", onWinch);
        stopResize = () => Deno.removeSignalListener("SIGWINCH", onWinch);
      }
      void (async () => {
        const decoder = new TextDecoder();
        const buf = new Uint8Array(4096);
        while (taken) {
          const n = await Deno.stdin.read(buf).catch(() => null);
          if (n === null) return;
          if (taken) onKeys(decoder.decode(buf.subarray(0, n), { stream: true }));
        }
      })();
    },
    restore() {
      if (!taken) return;
      taken = false;
      globalThis.removeEventListener("error", giveBack);
      globalThis.removeEventListener("unhandledrejection", giveBack);
      stopResize?.();
      try {
        Deno.stdout.writeSync(encoder.encode(GIVE_BACK));
      } catch {
        // the terminal is gone: nothing to give back to
      }
      try {
        Deno.stdin.setRaw(false);
      } catch {
        // likewise
      }
    },
  };
  return tty;
}

/** Standard input, read a line at a time only when oet asks (the typed confirmation). */
function input(): InStream {
  let decoder: TextDecoder | undefined; // made when first read: few commands ever read
  let pending = "";
  let ended = false;
  return {
    isTerminal: Deno.stdin.isTerminal(),
    async readLine(signal) {
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
      while (!pending.includes("\n") && !ended) {
        const buf = new Uint8Array(1024);
        const n = await Promise.race([Deno.stdin.read(buf), aborted]);
        if (n === null) {
          ended = true;
        } else {
          decoder ??= new TextDecoder();
          pending += decoder.decode(buf.subarray(0, n), { stream: true });
        }
      }
      const nl = pending.indexOf("\n");
      if (nl < 0) {
        const rest = pending;
        pending = "";
        return rest === "" ? undefined : rest;
      }
      const line = pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
      return line;
    },
  };
}

/** Runs `oet` with the process's arguments and exits with its status. */
export async function main(build?: BuildInfo): Promise<never> {
  // `deno task oet -- procedure list` passes the `--` on: it means nothing here.
  const args = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const env: Env = {};
  try {
    for (const name of ENV_VARS) {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    }
  } catch (err) {
    // `deno run main.ts` without the binary's flags: say how to run it.
    if (!(err instanceof Deno.errors.NotCapable)) throw err;
    Deno.stderr.writeSync(encoder.encode(
      `error: oet was started without the permissions it needs (${err.message})\n` +
        "hint: from a clone, run it as: deno task oet -- <command> (the flags are in scripts/permissions.ts)\n",
    ));
    Deno.exit(1);
  }
  const tty = terminal();
  const interrupt = new AbortController();
  let firstSignalAt: number | undefined;
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    const now = performance.now();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      interrupt.abort(new InterruptedError(signal));
      return;
    }
    // One Ctrl-C can arrive twice: a terminal signals the whole process
    // group, and `deno task oet` (oet run from a clone) passes it on again. Only a
    // second press, later, exits at once, whatever is still being cleaned up.
    if (now - firstSignalAt >= SECOND_SIGNAL_AFTER_MS) {
      tty.restore();
      Deno.exit(signal === "SIGTERM" ? 143 : 130);
    }
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  const handlers = signals.map((s) => [s, onSignal(s)] as const);
  if (Deno.build.os !== "windows") { for (const [s, h] of handlers) Deno.addSignalListener(s, h); }
  else Deno.addSignalListener("SIGINT", handlers[0][1]);

  let code: number;
  try {
    code = await runCli({
      args,
      env,
      io: {
        out: stream(Deno.stdout, env, "stdout", 1),
        err: stream(Deno.stderr, env, "stderr", 2),
        in: input(),
      },
      fetch: globalThis.fetch,
      readTextFile: (path) => Deno.readTextFile(path),
      signal: interrupt.signal,
      version: denoJson.version,
      build,
      runtime: {
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        typescript: Deno.version.typescript,
        target: Deno.build.target,
      },
      terminal: tty,
    });
  } finally {
    tty.restore();
  }
  // Exit now: a pending fetch or timer must not keep oet alive.
  Deno.exit(code);
}

if (import.meta.main) await main();
