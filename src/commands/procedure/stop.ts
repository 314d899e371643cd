/** `oet procedure stop [--pid N] [--run_abort=BOOL]`. */

import type { OetClient } from "../../api/client.ts";
import { ConnectionError, OetError } from "../../domain/errors.ts";
import { isStartPending } from "../../domain/states.ts";
import type { Procedure } from "../../domain/types.ts";
import { escapeInline } from "../../domain/escape.ts";
import { formatRecords, type OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { note } from "../framework/feedback.ts";
import { outputOption, pidOption } from "../framework/options.ts";
import { defineCommand, flagOption } from "../framework/spec.ts";
import { checkStopAnswer, stopRefused } from "../shared/procedure_actions.ts";
import { guardTelescope, yesOption } from "../shared/target/guard.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** Options of `procedure stop`. */
interface ProcedureStopOptions {
  pid?: number;
  runAbort: boolean;
  output: OutputFormat;
}

/** How long a stop waits for a start the server accepted but has not run yet. */
const PENDING_START_MS = 5_000;

/** Waits (bounded) until a procedure with a pending start is RUNNING. */
async function awaitRunning(
  ctx: CommandContext,
  client: OetClient,
  p: Procedure,
): Promise<Procedure> {
  const until = ctx.clock.now() + PENDING_START_MS;
  let current = p;
  while (isStartPending(current) && ctx.clock.now() < until) {
    await ctx.clock.sleep(100, ctx.signal);
    current = await client.getProcedure(p.id);
  }
  return current;
}

/**
 * Stops a running procedure (without `--pid`: the one that is RUNNING) and
 * prints the server's message. "Cannot stop … not running" is an error.
 */
export const procedureStopCommand = defineCommand({
  description:
    "Stop a running procedure (default: the one that is RUNNING). With --run_abort=True (the default) the OET also runs its abort script on the subarray.",
  usesServer: true,
  options: {
    pid: pidOption("the procedure (default: the one that is running)"),
    runAbort: flagOption(
      "run-abort",
      "also abort the subarray activity (also --run_abort; default True)",
      true,
    ),
    output: outputOption(),
    yes: yesOption(),
  },
  examples: `# stop whatever is running, and abort the subarray
oet procedure stop
# stop procedure 3 without running the abort script
oet procedure stop --pid=3 --run_abort=False`,
  async run(ctx, { opts }) {
    await guardTelescope(ctx, "procedure stop", opts.yes);
    await stop(ctx, opts);
  },
});

async function stop(ctx: CommandContext, o: ProcedureStopOptions): Promise<void> {
  const client = ctx.client();
  let pid = o.pid;
  if (pid === undefined) {
    const all = await client.listProcedures();
    let running = all.filter((p) => p.state === "RUNNING");
    const pending = all.filter(isStartPending);
    if (running.length === 0 && pending.length === 1) {
      note(ctx.io, `procedure ${pending[0].id} was just started; waiting for it to run`);
      const now = await awaitRunning(ctx, client, pending[0]);
      if (now.state === "RUNNING") running = [now];
    }
    if (running.length === 0) {
      throw new OetError("no procedure is running", {
        hint: `list them with: ${oetCommand(ctx, "procedure list")}`,
      });
    }
    if (running.length > 1) {
      throw new OetError(
        `more than one procedure is running (${
          running.map((p) => p.id).join(", ")
        }); choose one with --pid`,
      );
    }
    pid = running[0].id;
    note(ctx.io, `stopping procedure ${pid} (${running[0].script.uri}), the one that is running`);
  }
  let result;
  try {
    result = await client.stopProcedure(pid, o.runAbort);
    if (stopRefused(result) && o.pid !== undefined) {
      // Maybe its start is still on its way: wait for it, and try once more.
      const p = await client.getProcedure(pid);
      if (isStartPending(p) && (await awaitRunning(ctx, client, p)).state === "RUNNING") {
        result = await client.stopProcedure(pid, o.runAbort);
      }
    }
  } catch (err) {
    // Only a 5.x server that took a stop with abort and then dropped the
    // connection may have crashed (live, 5.4.0); a refused connection is the
    // ordinary "cannot reach".
    if (
      err instanceof ConnectionError && err.failure === "reset" && o.runAbort &&
      client.generation() === "5"
    ) {
      throw new ConnectionError(
        err.failure,
        err.url,
        `the connection dropped while stopping procedure ${pid}: the server may have stopped (OET 5.4.0 crashes when its abort script is missing)`,
        {
          hint: `check the server; to stop without running the abort script: ${
            oetCommand(ctx, `procedure stop --pid ${pid} --run_abort=False`)
          }`,
          cause: err,
        },
      );
    }
    throw err;
  }
  checkStopAnswer(result, pid, ctx);
  // The server's text: escaped, so that it cannot drive the terminal.
  if (o.output === "table") ctx.io.out.write(`${escapeInline(result.message)}\n`);
  else {
    ctx.io.out.write(
      formatRecords(o.output, [{ id: pid, json: { id: pid, ...result.raw } }], {
        single: true,
        pretty: ctx.io.out.isTerminal,
      }),
    );
  }
}
