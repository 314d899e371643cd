/** `oet activity describe [--aid N]`. */

import { OetError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import { activityDescribe } from "../../render/activities.ts";
import { hint, note } from "../framework/feedback.ts";
import { mostRecentActivity } from "../shared/activity_lookup.ts";
import { aidOption, outputOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";
import { procedureOf, writeActivities } from "../shared/output/activities.ts";
import { oetCommand } from "../shared/target/hint.ts";
import { trimTrailingSlashes } from "../../domain/text.ts";

/** Shows an activity (without `--aid`: the most recent). */
export const activityDescribeCommand = defineCommand({
  description:
    "Show an activity (default: the most recent): its summary, URI, state history and script arguments.",
  usesServer: true,
  options: {
    aid: aidOption("the activity (default: the most recent)"),
    output: outputOption(),
  },
  examples: `# the most recent activity
oet activity describe
# activity 1
oet activity describe --aid=1`,
  run: async (ctx, { opts: o }) => {
    const client = ctx.client();
    let activity;
    if (o.aid === undefined) {
      // The list can be empty for good on 7.x/8.x (find.ts): read by id then.
      const found = await mostRecentActivity(client);
      activity = found.value;
      if (!activity) throw new OetError("there is no activity to describe");
      if (found.byId) {
        note(
          ctx.io,
          `the server's activity list is empty; activity ${activity.id}, found by id, is the most recent`,
        );
      }
    } else activity = await client.getActivity(o.aid);
    const procedures = await procedureOf(client, activity);
    if (o.output !== "table") {
      await writeActivities(ctx.io, [activity], procedures, o.output, true);
      return;
    }
    const uri = redactUrl(`${trimTrailingSlashes(client.baseUrl.href)}/activities/${activity.id}`);
    const procedure = activity.procedureId === null
      ? undefined
      : procedures.get(activity.procedureId);
    ctx.io.out.write(await activityDescribe(activity, procedure, uri, ctx.io.out.colour));
    if (activity.procedureId !== null && ctx.io.err.isTerminal) {
      hint(
        ctx.io,
        `for details of its script: ${
          oetCommand(ctx, `procedure describe --pid ${activity.procedureId}`)
        }`,
      );
    }
  },
});
