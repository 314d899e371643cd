/**
 * `oet activity wait [--aid N] [--timeout D]`: follows an existing
 * activity's procedure to its end, with the exit codes of a listening `run`.
 */

import { OetError } from "../../domain/errors.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { Context } from "../context.ts";
import { note } from "../feedback.ts";
import { followExisting } from "../procedure/wait.ts";
import { writeActivities } from "./output.ts";

/** Options of `activity wait`. */
export interface ActivityWaitOptions {
  aid?: number;
  timeoutMs?: number;
  timeoutText?: string;
  output: OutputFormat;
}

/** Runs `oet activity wait`. */
export async function activityWait(ctx: Context, o: ActivityWaitOptions): Promise<void> {
  const client = ctx.client();
  let activity;
  if (o.aid === undefined) {
    activity = (await client.listActivities()).at(-1);
    if (!activity) throw new OetError("there is no activity to wait for");
    note(
      ctx.io,
      `waiting for the most recent activity, ${activity.id} (${activity.name} of ${activity.sbdId})`,
    );
  } else activity = await client.getActivity(o.aid);
  if (activity.procedureId === null) {
    throw new OetError(`activity ${activity.id} has no procedure to follow`);
  }
  const pid = activity.procedureId;
  if (activity.prepareOnly) {
    note(
      ctx.io,
      `activity ${activity.id} was only prepared: its script runs once started with oet procedure start --pid ${pid}`,
    );
  }
  await followExisting(ctx, pid, o, {
    label: `activity ${activity.id} (procedure ${pid})`,
    follow: `oet activity wait --aid ${activity.id}`,
    // The row and the result are the activity's (with its derived state), as for `run`.
    write: (p, format) => writeActivities(ctx.io, [activity], new Map([[p.id, p]]), format, true),
  });
}
