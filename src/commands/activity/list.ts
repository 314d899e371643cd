/** `oet activity list [--aid N] [--watch]`. */

import type { Procedure } from "../../domain/types.ts";
import { hint, note } from "../framework/feedback.ts";
import { allActivities, byIdNote } from "../shared/activity_lookup.ts";
import { aidOption, outputOption } from "../framework/options.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";
import { WATCH_HELP, watchMode } from "../shared/watch/mode.ts";
import { procedureOf, writeActivities } from "../shared/output/activities.ts";
import { oetCommand } from "../shared/target/hint.ts";

/**
 * Lists activities with their derived states: one request for the
 * activities and one for all procedures, not one per row.
 */
export const activityListCommand = defineCommand({
  description:
    "List activities (ID, Activity, SB ID, Creation Time, Procedure ID, State), or one with --aid. The State is derived from the activity's procedure: servers report every activity as TODO. With --watch, keep showing every change (a new activity, a change of its derived state) until Ctrl-C.",
  usesServer: true,
  options: {
    aid: aidOption("only this activity"),
    output: outputOption(),
    watch: switchOption("watch", WATCH_HELP, "w"),
  },
  examples: `# every activity
oet activity list
# activity 1 as JSON, with its derived state
oet activity list --aid=1 -o json
# follow every activity's derived state until Ctrl-C
oet activity list --watch`,
  run: async (ctx, { opts: o }) => {
    if (o.watch) {
      const mode = watchMode(ctx.io, o.output);
      const { runWatch } = await import("../shared/watch/run.ts");
      const { ActivitySource } = await import("../shared/watch/activities.ts");
      return await runWatch(ctx, (say) => new ActivitySource(ctx.client(), o.aid, say), mode);
    }
    const client = ctx.client();
    if (o.aid !== undefined) {
      const activity = await client.getActivity(o.aid);
      await writeActivities(
        ctx.io,
        [activity],
        await procedureOf(client, activity),
        o.output,
        false,
      );
      return;
    }
    // Both at once; when both fail, the activities' error is the one shown,
    // whichever answer came first.
    // A 7.x/8.x list that came back empty while activities exist (S2) is
    // rebuilt by reading ids, as `activity describe` and `status` do.
    const activitiesRead = allActivities(client);
    const proceduresRead = client.listProcedures();
    proceduresRead.catch(() => {});
    const found = await activitiesRead;
    const activities = found.value ?? [];
    const procedures = await proceduresRead;
    if (found.byId && activities.length) note(ctx.io, byIdNote(activities.length));
    const byId = new Map<number, Procedure>(procedures.map((p) => [p.id, p]));
    await writeActivities(ctx.io, activities, byId, o.output, false);
    if (o.output === "table" && ctx.io.err.isTerminal) {
      if (activities.length === 0) {
        hint(
          ctx.io,
          `no activities yet; run one with: ${oetCommand(ctx, "activity run <activity> <sbd-id>")}`,
        );
      } else {
        hint(
          ctx.io,
          `for more details: ${
            oetCommand(ctx, `activity describe --aid ${activities.at(-1)!.id}`)
          }`,
        );
      }
    }
  },
});
