/** `oet activity list [--aid N]`. */

import type { Procedure } from "../../domain/types.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { Context } from "../context.ts";
import { hint } from "../feedback.ts";
import { procedureOf, writeActivities } from "./output.ts";

/** Options of `activity list`. */
export interface ActivityListOptions {
  aid?: number;
  output: OutputFormat;
}

/**
 * Lists activities with their derived states: one request for the
 * activities and one for all procedures, not one per row.
 */
export async function activityList(ctx: Context, o: ActivityListOptions): Promise<void> {
  const client = ctx.client();
  if (o.aid !== undefined) {
    const activity = await client.getActivity(o.aid);
    await writeActivities(ctx.io, [activity], await procedureOf(client, activity), o.output, false);
    return;
  }
  const [activities, procedures] = await Promise.all([
    client.listActivities(),
    client.listProcedures(),
  ]);
  const byId = new Map<number, Procedure>(procedures.map((p) => [p.id, p]));
  await writeActivities(ctx.io, activities, byId, o.output, false);
  if (o.output === "table" && ctx.io.err.isTerminal) {
    if (activities.length === 0) {
      hint(ctx.io, "no activities yet; run one with: oet activity run <activity> <sbd-id>");
    } else hint(ctx.io, "for more details: oet activity describe --aid <ID>");
  }
}
