/**
 * `oet activity run <activity-name> <sbd-id> [--script-args=JSON|@file]
 * [--prepare-only[=BOOL]] [--create-env[=BOOL]] [--listen[=BOOL]] [--timeout D]`.
 *
 * What CI calls. By default it subscribes to the events, runs the activity,
 * follows its procedure to the end and exits with its outcome: 0 COMPLETE,
 * 3 FAILED/STOPPED/UNKNOWN, 124 on --timeout, 130 on Ctrl-C (detached).
 */

import { InterruptedError, OetError } from "../../domain/errors.ts";
import { isPreparing, isStartPending } from "../../domain/states.ts";
import type { Procedure } from "../../domain/types.ts";
import type { OetClient } from "../../api/client.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { hint, warn } from "../framework/feedback.ts";
import { type ActivityPlan, follow } from "../follow/follow.ts";
import { writeActivities } from "../shared/output/activities.ts";
import { answerLost, isOutputLost } from "../framework/answer.ts";
import { parseScriptArgs, readScriptArgsText, scriptArgsWarnings } from "./script_args.ts";
import {
  type Duration,
  outputOption,
  prepareTimeoutOption,
  timeoutOption,
} from "../framework/options.ts";
import { defineCommand, flagOption, valueOption } from "../framework/spec.ts";
import { guardTelescope, yesOption } from "../shared/target/guard.ts";
import { oetCommand, type TargetAware } from "../shared/target/hint.ts";

/** Options of `activity run`. */
interface ActivityRunOptions {
  activityName: string;
  sbdId: string;
  /** The raw `--script-args` value (JSON, Python literal, or `@file`). */
  scriptArgs?: string;
  prepareOnly: boolean;
  createEnv: boolean;
  listen: boolean;
  timeout?: Duration;
  prepareTimeoutMs: number;
  output: OutputFormat;
  /** Skip a protected context's typed confirmation. */
  yes: boolean;
}

/**
 * The procedure that is running or about to run, if any: RUNNING, a start
 * accepted but not yet running, or the procedure of an activity (not
 * prepare-only) still being prepared, whose start the server has queued.
 */
async function busyWith(client: OetClient): Promise<{ pid: number; why: string } | undefined> {
  const procedures = await client.listProcedures();
  const running = procedures.find((p) => p.state === "RUNNING");
  if (running) return { pid: running.id, why: `procedure ${running.id} is RUNNING` };
  const starting = procedures.find(isStartPending);
  if (starting) return { pid: starting.id, why: `procedure ${starting.id} is about to run` };
  const preparing = new Set(procedures.filter((p) => isPreparing(p.state)).map((p) => p.id));
  if (preparing.size === 0) return undefined;
  const activity = (await client.listActivities()).find((a) =>
    !a.prepareOnly && a.procedureId !== null && preparing.has(a.procedureId)
  );
  if (!activity) return undefined;
  return {
    pid: activity.procedureId!,
    why: `activity ${activity.id}'s procedure ${activity.procedureId} is being prepared to run`,
  };
}

/** `oet activity run`: what CI calls. */
export const activityRunCommand = defineCommand({
  description:
    "Run an activity of a Scheduling Block: the server creates its script's procedure and runs it, and oet follows it to its end, printing its events. Exit 0 if it COMPLETEs, 3 if it ends FAILED, STOPPED or UNKNOWN, 124 on --timeout; Ctrl-C detaches (it keeps running).",
  usesServer: true,
  args: [
    {
      name: "activity-name",
      required: true,
      help: "the activity in the SB, e.g. allocate, observe",
    },
    { name: "sbd-id", required: true, help: "the Scheduling Block Definition id" },
  ],
  options: {
    scriptArgs: valueOption(
      "script-args",
      `arguments per function, on top of the SB's: '{"init": {"args": [...], "kwargs": {...}}, "main": {...}}' (JSON or Python literal; @path reads a file; default None)`,
      (t) => t,
      { valueName: "json", nullable: true, complete: "file" },
    ),
    prepareOnly: flagOption(
      "prepare-only",
      "only prepare the script; start it later with oet procedure start (also --prepare_only; default False)",
      false,
    ),
    createEnv: flagOption(
      "create-env",
      "create a new environment for a git script (also --create_env; default False)",
      false,
    ),
    listen: flagOption(
      "listen",
      "follow the activity's procedure and print its events (default True; --listen=False returns once the server accepted the activity)",
      true,
    ),
    timeout: timeoutOption(),
    prepareTimeout: prepareTimeoutOption(),
    output: outputOption(),
    yes: yesOption(),
  },
  examples: `# run the allocate activity of an SB, with extra init() arguments
oet activity run allocate sbd-123 --script-args='{"init": {"args": [1, "foo"], "kwargs": {"foo": "bar"}}}'
# prepare now, start later
oet activity run observe sbd-123 --prepare-only=True && oet procedure start --pid <Procedure ID>
# arguments from a file, at most two hours
oet activity run observe sbd-123 --script-args=@args.json --timeout 2h
# in CI
if oet activity run observe sbd-123; then echo observed; else echo "failed: $?"; fi`,
  notes: `States: servers report every activity as TODO; oet shows the state of its procedure:
  REQUESTED (being prepared), PREPARED (READY, not started), RUNNING,
  COMPLETE, FAILED, STOPPED, UNKNOWN; ENDED (procedure removed) when the
  server has pruned the procedure (it prunes only finished ones, so the
  activity ended, outcome unknown). -o json adds it as "derived_state"
  (ENDED_UNKNOWN for the last).`,
  run: (ctx, { opts, args }) =>
    activityRun(ctx, {
      activityName: args[0],
      sbdId: args[1],
      scriptArgs: opts.scriptArgs,
      prepareOnly: opts.prepareOnly,
      createEnv: opts.createEnv,
      listen: opts.listen,
      timeout: opts.timeout,
      prepareTimeoutMs: opts.prepareTimeout.ms,
      output: opts.output,
      yes: opts.yes,
    }),
});

/**
 * What `activity run` asks the follow room to do: send the activity, and
 * follow its procedure (`onPid` hears which); its row and result are the
 * activity's, with its procedure's derived state.
 */
export function activityPlan(
  ctx: Pick<CommandContext, "io"> & TargetAware,
  client: Pick<OetClient, "runActivity">,
  request: Parameters<OetClient["runActivity"]>[0],
  onPid: (pid: number | undefined) => void = () => {},
): ActivityPlan {
  return {
    kind: "activity",
    async send() {
      let activity;
      try {
        activity = await client.runActivity(request);
      } catch (err) {
        if (!(err instanceof InterruptedError)) throw err;
        throw new InterruptedError(
          err.signal,
          "interrupted while the activity request was on its way: the server may have started it",
          { hint: `check with: ${oetCommand(ctx, "activity list")}` },
        );
      }
      const pid = activity.procedureId ?? undefined;
      onPid(pid);
      return {
        pid,
        label: `activity ${activity.id} (procedure ${pid})`,
        followCommand: oetCommand(ctx, `activity wait --aid ${activity.id}`),
        // The row shows the derived state of its procedure, not TODO.
        write: (p: Procedure | undefined, format: OutputFormat) =>
          writeActivities(ctx.io, [activity], new Map(p ? [[p.id, p]] : []), format, true),
      };
    },
  };
}

async function activityRun(ctx: CommandContext, o: ActivityRunOptions): Promise<void> {
  // Everything the user typed is checked before anything is sent.
  let scriptArgs = {};
  if (o.scriptArgs !== undefined) {
    const { text, source } = await readScriptArgsText(o.scriptArgs, ctx.readTextFile);
    scriptArgs = parseScriptArgs(text, source);
  }
  for (const w of scriptArgsWarnings(scriptArgs)) warn(ctx.io, w);
  await guardTelescope(ctx, "activity run", o.yes);

  const client = ctx.client();
  if (!o.prepareOnly) {
    // The OET runs one procedure at a time: it would create this activity's
    // procedure and then fail to start it, leaving it prepared for ever.
    const busy = await busyWith(client);
    if (busy) {
      throw new OetError(
        `${busy.why}, and the OET runs one procedure at a time: it would prepare this activity's script but not start it; nothing was sent`,
        {
          hint: `wait for it with: ${
            oetCommand(ctx, `procedure wait --pid ${busy.pid}`)
          }, or prepare now with --prepare-only=True and start later with ${
            oetCommand(ctx, "procedure start")
          }`,
        },
      );
    }
  }
  const listen = o.listen && !o.prepareOnly;
  let pid: number | undefined;
  const procedure = await follow(ctx, {
    what: activityPlan(ctx, client, {
      activityName: o.activityName,
      sbdId: o.sbdId,
      scriptArgs,
      prepareOnly: o.prepareOnly,
      createEnv: o.createEnv,
    }, (id) => pid = id),
    output: o.output,
    listen,
    timeout: o.timeout,
    prepareTimeoutMs: o.prepareTimeoutMs,
  }).catch((err) => {
    // Not waiting: the activity was created, and its answer must not be lost.
    if (listen || !isOutputLost(err) || pid === undefined) throw err;
    throw answerLost(
      err,
      `the activity was created (procedure ${pid})`,
      `follow it with: ${oetCommand(ctx, `procedure wait --pid ${pid}`)}`,
    );
  });
  if (o.prepareOnly && pid !== undefined) {
    hint(
      ctx.io,
      `the script ${
        procedure?.state === "READY" ? "is prepared" : "is being prepared"
      } and will not be started; start it with: ${oetCommand(ctx, `procedure start --pid ${pid}`)}`,
    );
  }
}
