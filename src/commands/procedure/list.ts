/** `oet procedure list [--pid N] [--watch]`. */

import { defineCommand, switchOption } from "../framework/spec.ts";
import { outputOption, pidOption } from "../framework/options.ts";
import { hint } from "../framework/feedback.ts";
import { WATCH_HELP, watchMode } from "../shared/watch/mode.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** Lists the procedures the server knows (or one of them), sorted by id. */
export const procedureListCommand = defineCommand({
  description:
    "List the procedures the server knows (ID, Script, Creation time, State), or one with --pid. The server keeps the 10 newest finished procedures; unfinished ones are never pruned. With --watch, keep showing every change (a new procedure, a state change, one the server removed) until Ctrl-C.",
  usesServer: true,
  options: {
    pid: pidOption("only this procedure"),
    output: outputOption(),
    watch: switchOption("watch", WATCH_HELP, "w"),
  },
  examples: `# every procedure the server holds
oet procedure list
# one of them
oet procedure list --pid=2
# the ids of those that are READY
oet procedure list -o json | jq '.[] | select(.state == "READY") | .id'
# follow every change until Ctrl-C (a table redrawn in place on a terminal)
oet procedure list --watch
# one JSON object per change: added, changed, removed
oet procedure list --watch -o jsonl | jq -c '[.change, .procedure.id, .procedure.state]'`,
  async run(ctx, { opts }) {
    if (opts.watch) {
      const mode = watchMode(ctx.io, opts.output);
      const { runWatch } = await import("../shared/watch/run.ts");
      const { ProcedureSource } = await import("../shared/watch/procedures.ts");
      return await runWatch(ctx, () => new ProcedureSource(ctx.client(), opts.pid), mode);
    }
    const client = ctx.client();
    const procedures = opts.pid === undefined
      ? await client.listProcedures()
      : [await client.getProcedure(opts.pid)];
    await writeProcedures(ctx.io, procedures, opts.output, false);
    if (opts.output === "table" && ctx.io.err.isTerminal) {
      if (procedures.length === 0) {
        hint(
          ctx.io,
          `no procedures yet; load one with: ${
            oetCommand(ctx, "procedure create file:///path/to/script.py")
          }`,
        );
      } else {
        hint(
          ctx.io,
          `for more details: ${
            oetCommand(ctx, `procedure describe --pid ${procedures.at(-1)!.id}`)
          }`,
        );
      }
    }
  },
});
