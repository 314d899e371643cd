/** The `oet procedure` group: loading, starting, stopping and inspecting scripts. */

import { defineGroup, lazyCommand } from "../framework/spec.ts";

/** `oet procedure …`. */
export const procedureGroup = defineGroup({
  name: "procedure",
  summary: "Load, start, stop and inspect observing scripts (procedures)",
  description:
    "Load observing scripts on the OET server (procedures), run them, stop them, and inspect their state and history.",
  examples: `oet procedure create file:///scripts/allocate.py --subarray_id=3
oet procedure list
oet procedure start --pid 2 'bob' --simulate=False
oet procedure describe --pid 2`,
  // Each command module is loaded only when that command runs (or for help).
  commands: [
    lazyCommand(
      "create",
      "Load a script on the server and prepare it",
      async () => (await import("./create.ts")).procedureCreateCommand,
    ),
    lazyCommand(
      "list",
      "List procedures: ID, Script, Creation time, State",
      async () => (await import("./list.ts")).procedureListCommand,
      { aliases: ["ls"] },
    ),
    lazyCommand(
      "start",
      "Run a procedure's main() and follow it to its end",
      async () => (await import("./start.ts")).procedureStartCommand,
    ),
    lazyCommand(
      "wait",
      "Follow a procedure to its end, with the exit codes of start",
      async () => (await import("./wait.ts")).procedureWaitCommand,
    ),
    lazyCommand(
      "stop",
      "Stop a running procedure",
      async () => (await import("./stop.ts")).procedureStopCommand,
    ),
    lazyCommand(
      "describe",
      "Show a procedure's history, arguments, git origin and stack trace",
      async () => (await import("./describe.ts")).procedureDescribeCommand,
    ),
  ],
});
