/** The `oet activity` group: activities of Scheduling Blocks. */

import { defineGroup, lazyCommand } from "../framework/spec.ts";

/** `oet activity …`. */
export const activityGroup = defineGroup({
  name: "activity",
  summary: "Run activities of Scheduling Blocks and inspect them",
  description:
    "Run an activity of a Scheduling Block (the server prepares and runs its script as a procedure), and inspect activities.",
  examples: `oet activity run observe sbd-t0001-20250403-00001
oet activity list
oet activity describe --aid 1`,
  // Each command module is loaded only when that command runs (or for help).
  commands: [
    lazyCommand(
      "run",
      "Run an activity of an SB and follow it to its end",
      async () => (await import("./run.ts")).activityRunCommand,
    ),
    lazyCommand(
      "list",
      "List activities: ID, Activity, SB ID, Creation Time, Procedure ID, State",
      async () => (await import("./list.ts")).activityListCommand,
      { aliases: ["ls"] },
    ),
    lazyCommand(
      "wait",
      "Follow an activity's procedure to its end, with the exit codes of run",
      async () => (await import("./wait.ts")).activityWaitCommand,
    ),
    lazyCommand(
      "describe",
      "Show an activity: summary, URI, state history, script arguments",
      async () => (await import("./describe.ts")).activityDescribeCommand,
    ),
  ],
});
