/**
 * `oet procedure wait [--pid N] [--timeout D]`: follows an existing
 * procedure to its end with the exit codes of a listening `start` — for a CI
 * job that started with `--listen=False`, or after a Ctrl-C detach.
 */

import { OetError } from "../../domain/errors.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { note } from "../framework/feedback.ts";
import {
  DEFAULT_PREPARE_TIMEOUT_MS,
  type Duration,
  outputOption,
  pidOption,
  timeoutOption,
} from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";
import { follow } from "../follow/follow.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** `oet procedure wait`: follow a procedure to its end. */
export const procedureWaitCommand = defineCommand({
  description:
    "Follow a procedure (default: the most recently created) to its end, printing its events, with the exit codes of a listening start: for a CI job that started with --listen=False, or after a Ctrl-C detach.",
  usesServer: true,
  options: {
    pid: pidOption("the procedure (default: the most recently created)"),
    timeout: timeoutOption(),
    output: outputOption(),
  },
  examples: `# start without waiting, then wait at most an hour
oet procedure start --pid 4 --listen=False && oet procedure wait --pid 4 --timeout 1h`,
  async run(ctx, { opts }) {
    await wait(ctx, opts.pid, { timeout: opts.timeout, output: opts.output });
  },
});

async function wait(
  ctx: CommandContext,
  pidOption: number | undefined,
  o: { timeout?: Duration; output: OutputFormat },
): Promise<void> {
  const client = ctx.client();
  let pid = pidOption;
  if (pid === undefined) {
    const last = (await client.listProcedures()).at(-1);
    if (!last) throw new OetError("there is no procedure to wait for");
    pid = last.id;
    note(ctx.io, `waiting for the most recently created procedure, ${pid} (${last.script.uri})`);
  }
  await follow(ctx, {
    what: {
      kind: "wait",
      pid,
      label: `procedure ${pid}`,
      followCommand: oetCommand(ctx, `procedure wait --pid ${pid}`),
    },
    output: o.output,
    listen: true,
    timeout: o.timeout,
    prepareTimeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
  });
}
