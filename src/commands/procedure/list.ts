/** `oet procedure list [--pid N]`. */

import type { OutputFormat } from "../../render/output.ts";
import type { Context } from "../context.ts";
import { hint } from "../feedback.ts";
import { writeProcedures } from "./output.ts";

/** Options of `procedure list`. */
export interface ProcedureListOptions {
  pid?: number;
  output: OutputFormat;
}

/** Lists the procedures the server knows (or one of them), sorted by id. */
export async function procedureList(ctx: Context, o: ProcedureListOptions): Promise<void> {
  const client = ctx.client();
  const procedures = o.pid === undefined
    ? await client.listProcedures()
    : [await client.getProcedure(o.pid)];
  await writeProcedures(ctx.io, procedures, o.output, false);
  if (o.output === "table" && ctx.io.err.isTerminal) {
    if (procedures.length === 0) {
      hint(
        ctx.io,
        "no procedures yet; load one with: oet procedure create file:///path/to/script.py",
      );
    } else hint(ctx.io, "for more details: oet procedure describe --pid <ID>");
  }
}
