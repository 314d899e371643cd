/** `oet procedure describe [--pid N]`. */

import { OetError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import { procedureDescribe } from "../../render/procedures.ts";
import { outputOption, pidOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { oetCommand } from "../shared/target/hint.ts";
import { trimTrailingSlashes } from "../../domain/text.ts";

/**
 * Shows a procedure (without `--pid`: the most recently created): its
 * calls, state history, git origin and stack trace.
 */
export const procedureDescribeCommand = defineCommand({
  description:
    "Show a procedure (default: the most recently created): URI, state history, call arguments, git origin and, if it failed, the stack trace.",
  usesServer: true,
  options: {
    pid: pidOption("the procedure (default: the most recently created)"),
    output: outputOption(),
  },
  examples: `# the procedure created last
oet procedure describe
# procedure 2, as the server's JSON
oet procedure describe --pid=2 -o json`,
  async run(ctx, { opts }) {
    const client = ctx.client();
    let procedure;
    if (opts.pid === undefined) {
      procedure = (await client.listProcedures()).at(-1);
      if (!procedure) {
        throw new OetError("there is no procedure to describe", {
          hint: `load one with: ${oetCommand(ctx, "procedure create file:///path/to/script.py")}`,
        });
      }
    } else procedure = await client.getProcedure(opts.pid);
    if (opts.output !== "table") {
      await writeProcedures(ctx.io, [procedure], opts.output, true);
      return;
    }
    // 7.x reports a hard-coded http://localhost URI; show where oet reaches it.
    const uri = redactUrl(`${trimTrailingSlashes(client.baseUrl.href)}/procedures/${procedure.id}`);
    ctx.io.out.write(await procedureDescribe(procedure, uri, ctx.io.out.colour));
  },
});
