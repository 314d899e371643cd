/**
 * `oet activity wait [--aid N] [--timeout D]`: follows an existing
 * activity's procedure to its end, with the exit codes of a listening `run`.
 */

import { OetError } from "../../domain/errors.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { note } from "../framework/feedback.ts";
import {
  aidOption,
  DEFAULT_PREPARE_TIMEOUT_MS,
  type Duration,
  outputOption,
  timeoutOption,
} from "../framework/options.ts";
import { follow } from "../follow/follow.ts";
import { defineCommand } from "../framework/spec.ts";
import { mostRecentActivity } from "../shared/activity_lookup.ts";
import { writeActivities } from "../shared/output/activities.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** Options of `activity wait`. */
interface ActivityWaitOptions {
  aid?: number;
  timeout?: Duration;
  output: OutputFormat;
}

/** `oet activity wait`: follow an activity's procedure to its end. */
export const activityWaitCommand = defineCommand({
  description:
    "Follow an activity's procedure (default: the most recent activity) to its end, printing its events, with the exit codes of a listening activity run.",
  usesServer: true,
  options: {
    aid: aidOption("the activity (default: the most recent)"),
    timeout: timeoutOption(),
    output: outputOption(),
  },
  examples: `# run without waiting, then wait at most two hours
oet activity run observe sbd-123 --listen=False && oet activity wait --timeout 2h`,
  run: (ctx, { opts }) =>
    activityWait(ctx, { aid: opts.aid, timeout: opts.timeout, output: opts.output }),
});

async function activityWait(ctx: CommandContext, o: ActivityWaitOptions): Promise<void> {
  const client = ctx.client();
  let activity;
  if (o.aid === undefined) {
    activity = (await mostRecentActivity(client)).value;
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
      `activity ${activity.id} was only prepared: its script runs once started with ${
        oetCommand(ctx, `procedure start --pid ${pid}`)
      }`,
    );
  }
  await follow(ctx, {
    what: {
      kind: "wait",
      pid,
      label: `activity ${activity.id} (procedure ${pid})`,
      followCommand: oetCommand(ctx, `activity wait --aid ${activity.id}`),
      // The activity names it: a 404 means the server pruned it after it ended.
      existed: true,
      // The row and the result are the activity's (with its derived state), as for `run`.
      write: (p, format) =>
        writeActivities(ctx.io, [activity], new Map(p ? [[p.id, p]] : []), format, true),
    },
    output: o.output,
    listen: true,
    timeout: o.timeout,
    prepareTimeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
  });
}
