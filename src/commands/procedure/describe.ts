/** `oet procedure describe [--pid N]`. */

import { OetError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import type { OutputFormat } from "../../render/output.ts";
import { procedureDescribe } from "../../render/procedures.ts";
import type { Context } from "../context.ts";
import { writeProcedures } from "./output.ts";

/** Options of `procedure describe`. */
export interface ProcedureDescribeOptions {
  pid?: number;
  output: OutputFormat;
}

/**
 * Shows a procedure (without `--pid`: the most recently created): its
 * calls, state history, git origin and stack trace.
 */
export async function procedureDescribeCommand(
  ctx: Context,
  o: ProcedureDescribeOptions,
): Promise<void> {
  const client = ctx.client();
  let procedure;
  if (o.pid === undefined) {
    procedure = (await client.listProcedures()).at(-1);
    if (!procedure) throw new OetError("there is no procedure to describe");
  } else procedure = await client.getProcedure(o.pid);
  if (o.output !== "table") {
    await writeProcedures(ctx.io, [procedure], o.output, true);
    return;
  }
  // 7.x reports a hard-coded http://localhost URI; show where oet reaches it.
  const uri = redactUrl(`${client.baseUrl.href.replace(/\/+$/, "")}/procedures/${procedure.id}`);
  ctx.io.out.write(await procedureDescribe(procedure, uri, ctx.io.out.colour));
}
