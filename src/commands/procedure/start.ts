/**
 * `oet procedure start [--pid N] [args…] [--kwargs…] [--listen=BOOL]
 * [--timeout D] [--prepare-timeout D]`.
 *
 * Starts a procedure's `main` and, by default, follows it to its end:
 * subscribe to the events first, wait (bounded) while the procedure is
 * still being prepared, send the start, print its events, confirm the final
 * state with a GET, exit 0 on COMPLETE and 3 otherwise.
 */

import type { OetClient } from "../../api/client.ts";
import { OetError } from "../../domain/errors.ts";
import { isPreparing } from "../../domain/states.ts";
import type { Activity, FunctionArgs, Procedure } from "../../domain/types.ts";
import { pyRepr } from "../../render/pyrepr.ts";
import type { OutputFormat } from "../../render/output.ts";
import { activityOfProcedure } from "../shared/activity_lookup.ts";
import { refuseUnstartable, sendStart } from "../shared/procedure_actions.ts";
import { buildCall } from "../framework/call_args.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { note } from "../framework/feedback.ts";
import { follow, type StartPlan } from "../follow/follow.ts";
import {
  type Duration,
  kwargOption,
  outputOption,
  pidOption,
  prepareTimeoutOption,
  timeoutOption,
} from "../framework/options.ts";
import { defineCommand, flagOption } from "../framework/spec.ts";
import { answerLost, isOutputLost } from "../framework/answer.ts";
import { VALUE_RULES } from "../framework/values.ts";
import { guardTelescope, yesOption } from "../shared/target/guard.ts";
import { oetCommand, type TargetAware } from "../shared/target/hint.ts";

/** Options of `procedure start`. */
interface ProcedureStartOptions {
  pid?: number;
  /** The script call the user typed (empty when none). */
  call: FunctionArgs;
  listen: boolean;
  timeout?: Duration;
  prepareTimeoutMs: number;
  output: OutputFormat;
}

/** `oet procedure start`: run a procedure's main() and follow it to its end. */
export const procedureStartCommand = defineCommand({
  description:
    "Run main() of a procedure (default: the most recently created) and follow it to its end, printing its events. Waits (bounded by --prepare-timeout) while it is still being prepared. Exit 0 if it COMPLETEs, 3 if it ends FAILED, STOPPED or UNKNOWN, 124 on --timeout; Ctrl-C detaches (the procedure keeps running).",
  usesServer: true,
  args: [{
    name: "args",
    variadic: true,
    help: "positional arguments for main(); --name=value words are its keyword arguments",
  }],
  scriptKeywords: true,
  options: {
    pid: pidOption("the procedure (default: the most recently created)"),
    listen: flagOption(
      "listen",
      "follow the procedure and print its events (default True; --listen=False returns once the server accepted the start)",
      true,
    ),
    timeout: timeoutOption(),
    prepareTimeout: prepareTimeoutOption(),
    kwarg: kwargOption("main"),
    output: outputOption(),
    yes: yesOption(),
  },
  examples: `# run main() of the procedure created last, and wait for its end
oet procedure start
# run procedure 2 as main('bob', simulate=False)
oet procedure start --pid=2 'bob' --simulate=False
# fire and forget; follow it later with: oet procedure wait --pid 2
oet procedure start --pid 2 --listen=False
# at most 30 minutes, events as JSON lines
oet procedure start --pid 2 --timeout 30m -o jsonl`,
  notes:
    `A procedure prepared by an activity (oet activity run --prepare-only=True) gets that activity's main() arguments (sb_json, sbi_id, ...); arguments you give are added to them, and a keyword you name replaces the activity's.

${VALUE_RULES}`,
  async run(ctx, { opts, args, keywords }) {
    const call = buildCall(args, keywords, opts.kwarg);
    await guardTelescope(ctx, "procedure start", opts.yes);
    await start(ctx, {
      pid: opts.pid,
      call,
      listen: opts.listen,
      timeout: opts.timeout,
      prepareTimeoutMs: opts.prepareTimeout.ms,
      output: opts.output,
    });
  },
});

/** The procedure to start: `--pid`, or the most recently created one. */
async function pickProcedure(
  ctx: CommandContext,
  client: OetClient,
  pid?: number,
): Promise<Procedure> {
  if (pid !== undefined) return await client.getProcedure(pid);
  const last = (await client.listProcedures()).at(-1);
  if (!last) {
    throw new OetError("there is no procedure to start", {
      hint: `load one first with: ${oetCommand(ctx, "procedure create file:///path/to/script.py")}`,
    });
  }
  note(ctx.io, `starting the most recently created procedure, ${last.id} (${last.script.uri})`);
  return last;
}

/**
 * The arguments of `main`: what the user gave, on top of those recorded by
 * the activity that prepared the procedure (its `sb_json`, `sbi_id`, …),
 * which are kept unless the user names them. Says what is sent.
 */
async function mainArguments(
  ctx: CommandContext,
  client: OetClient,
  pid: number,
  given: FunctionArgs,
): Promise<FunctionArgs> {
  let found;
  try {
    found = await activityOfProcedure(client, pid);
  } catch {
    // No activities (a server without them) or no answer: nothing to add.
    return given;
  }
  const activity: Activity | undefined = found.value;
  const recorded = activity?.scriptArgs.main;
  if (!activity || !recorded) return given;
  const kwargs = { ...recorded.kwargs, ...given.kwargs };
  const args = given.args.length ? given.args : recorded.args;
  const kept = Object.keys(recorded.kwargs).filter((k) => !(k in given.kwargs));
  const replaced = Object.keys(recorded.kwargs).filter((k) => k in given.kwargs);
  const via = found.byId ? " (found by id: the server's activity list is empty)" : "";
  const parts = [
    kept.length ? `its ${kept.join(", ")}` : "",
    replaced.length ? `your ${replaced.join(", ")} in place of its own` : "",
    given.args.length ? "your positional arguments" : "",
    Object.keys(given.kwargs).filter((k) => !(k in recorded.kwargs)).length
      ? "your other keyword arguments"
      : "",
  ].filter(Boolean);
  note(
    ctx.io,
    `procedure ${pid} was prepared by activity ${activity.id} (${activity.name} of ${activity.sbdId})${via}; sending main(${
      callText(args, kwargs)
    }): ${parts.join(", ") || "no arguments"}`,
  );
  return { args, kwargs };
}

function callText(args: FunctionArgs["args"], kwargs: FunctionArgs["kwargs"]): string {
  const shown = [
    ...args.map((a) => pyRepr(a)),
    ...Object.entries(kwargs).map(([k, v]) => `${k}=${pyRepr(v)}`),
  ];
  return shown.join(", ");
}

/**
 * What `procedure start` asks the follow room to do: refuse a procedure
 * that can no longer start, and send the start (a refusal the server
 * explains is said in its words; a 200 that did not start it is an error).
 */
export function startPlan(
  client: Pick<OetClient, "startProcedure">,
  p: Procedure,
  main: FunctionArgs,
  env: TargetAware = {},
): StartPlan {
  const pid = p.id;
  return {
    kind: "start",
    procedure: p,
    refuse: (q) => refuseUnstartable(q, env),
    send: () => sendStart(client, pid, main, env),
  };
}

async function start(ctx: CommandContext, o: ProcedureStartOptions): Promise<void> {
  const client = ctx.client();
  const p = await pickProcedure(ctx, client, o.pid);
  const pid = p.id;
  if (!isPreparing(p.state)) refuseUnstartable(p, ctx);
  const main = await mainArguments(ctx, client, pid, o.call);
  await follow(ctx, {
    what: startPlan(client, p, main, ctx),
    output: o.output,
    listen: o.listen,
    timeout: o.timeout,
    prepareTimeoutMs: o.prepareTimeoutMs,
  }).catch((err) => {
    // Not waiting: the start happened, and its answer must not be lost.
    if (o.listen || !isOutputLost(err)) throw err;
    throw answerLost(
      err,
      `procedure ${pid} was started`,
      `follow it with: ${oetCommand(ctx, `procedure wait --pid ${pid}`)}`,
    );
  });
}
