/**
 * `oet __complete pid|aid|context [LINE]`: the ids a shell may complete
 * `--pid` and `--aid` with, one per line, read from the server (or the
 * names of the contexts, read from the configuration file) — for the completion
 * scripts only (hidden from help). It never fails and never waits long:
 * with no answer within a second, it prints nothing (exit 0), so a TAB
 * never hangs a shell. LINE is the command line being completed, whose
 * `--server-url` (if any) names the server.
 */

import { defineCommand } from "../framework/spec.ts";
import { activityIds } from "../shared/activity_lookup.ts";

/** The most a TAB waits for the server. */
const BUDGET_MS = 1_000;

/** The `--server-url` value of a command line being completed, if it has one. */
export function serverUrlOf(line: string): string | undefined {
  const words = line.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith("--server-url=") || w.startsWith("--server_url=")) {
      return unquote(w.slice(w.indexOf("=") + 1));
    }
    if ((w === "--server-url" || w === "--server_url") && words[i + 1]) {
      return unquote(words[i + 1]);
    }
  }
  return undefined;
}

function unquote(w: string): string {
  return w.replace(/^(['"])(.*)\1$/, "$2");
}

/** Prints procedure or activity ids from the server, for shell completion. */
export const completeCommand = defineCommand({
  args: [
    { name: "kind", required: true, help: "pid, aid or context" },
    { name: "line", help: "the command line being completed" },
  ],
  options: {},
  examples: `oet __complete pid "oet procedure start --pid "`,
  async run(ctx, { args }) {
    if (args[0] === "context") {
      // The file's names, not the server's: nothing is sent.
      try {
        const names = Object.keys((await ctx.config.load()).data.contexts);
        if (names.length) ctx.io.out.write(`${names.join("\n")}\n`);
      } catch {
        // A malformed file: nothing to offer (the next real command says why).
      }
      return;
    }
    try {
      // The server the shell's commands would use (environment, context), unless the line names one.
      await ctx.target();
      const client = ctx.client({
        serverUrl: serverUrlOf(args[1] ?? ""),
        requestTimeoutMs: BUDGET_MS,
      });
      const ids = args[0] === "aid"
        ? await activityIds(client)
        : args[0] === "pid"
        ? (await client.listProcedures()).map((p) => p.id)
        : [];
      if (ids.length) ctx.io.out.write(`${ids.join("\n")}\n`);
    } catch {
      // Quietly nothing: no server, a bad URL, a token needed… a TAB must not fail.
    }
  },
});
