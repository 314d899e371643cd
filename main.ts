/**
 * The `oet` executable: wires the real world (arguments, the environment
 * variables oet reads, stdout/stderr, fetch, signals) into `runCli` and sets
 * the exit code. Everything else lives in `src/`.
 */

import denoJson from "./deno.json" with { type: "json" };
import type { Env } from "./src/config/config.ts";
import { OutputClosedError } from "./src/domain/errors.ts";
import { colourAllowed } from "./src/render/colour.ts";
import type { OutStream } from "./src/render/io.ts";

const encoder = new TextEncoder();

/** A stream that writes at once; a reader that went away ends oet quietly. */
function stream(file: typeof Deno.stdout, env: Env): OutStream {
  const isTerminal = file.isTerminal();
  return {
    isTerminal,
    colour: colourAllowed(isTerminal, env),
    write(text: string) {
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (err) {
        if (err instanceof Deno.errors.BrokenPipe) throw new OutputClosedError("output closed");
        throw err;
      }
    },
  };
}

/** `oet --version` answers before the program is even loaded (CI calls it in loops). */
function isVersionOnly(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === "--version" || args[0] === "-V");
}

// `deno task oet -- procedure list` passes the `--` on: it means nothing here.
const args = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;

if (import.meta.main && isVersionOnly(args)) {
  Deno.stdout.writeSync(encoder.encode(`${denoJson.version}\n`));
  Deno.exit(0);
}

if (import.meta.main) {
  // Loaded here, not at the top, so that the --version path above stays cheap.
  const { runCli } = await import("./src/cli/main.ts");
  const { ENV_VARS } = await import("./src/config/config.ts");
  const { InterruptedError } = await import("./src/domain/errors.ts");
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
  const interrupt = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: "SIGINT" | "SIGTERM") => () => {
    // A second Ctrl-C exits at once, whatever is still being cleaned up.
    if (++interrupted > 1) Deno.exit(signal === "SIGTERM" ? 143 : 130);
    interrupt.abort(new InterruptedError(signal));
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  const handlers = signals.map((s) => [s, onSignal(s)] as const);
  if (Deno.build.os !== "windows") { for (const [s, h] of handlers) Deno.addSignalListener(s, h); }
  else Deno.addSignalListener("SIGINT", handlers[0][1]);

  const code = await runCli({
    args,
    env,
    io: { out: stream(Deno.stdout, env), err: stream(Deno.stderr, env) },
    fetch: globalThis.fetch,
    readTextFile: (path) => Deno.readTextFile(path),
    signal: interrupt.signal,
    version: denoJson.version,
    runtime: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      target: Deno.build.target,
    },
  });
  // Exit now: a pending fetch or timer must not keep oet alive.
  Deno.exit(code);
}
