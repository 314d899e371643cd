/**
 * Writes procedures in the chosen output form: the summary table, or the
 * server's objects (`-o json|jsonl|id`), unwrapped, every field kept, with
 * an integer `id`.
 */

import type { Procedure } from "../../../domain/types.ts";
import type { IO } from "../../../render/io.ts";
import { formatRecords, type OutputFormat } from "../../../render/output.ts";
import { procedureTable } from "../../../render/procedures.ts";

/** Writes procedures to stdout; `single` makes `-o json` an object. */
export async function writeProcedures(
  io: IO,
  procedures: readonly Procedure[],
  format: OutputFormat,
  single: boolean,
): Promise<void> {
  if (format === "table") {
    io.out.write(`${await procedureTable(procedures, io.out.colour)}\n`);
    return;
  }
  io.out.write(
    formatRecords(format, procedures.map((p) => ({ id: p.id, json: p.raw })), {
      single,
      pretty: io.out.isTerminal,
    }),
  );
}
