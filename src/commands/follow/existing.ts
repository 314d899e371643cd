/**
 * Following a procedure that may already be running or finished (`procedure
 * wait`, `activity wait`): subscribe, then read its state, so that no
 * transition falls between the two.
 */

import { HttpError, OetError, RemoteFailureError } from "../../domain/errors.ts";
import { isFinal, isPreparing, isStartPending } from "../../domain/states.ts";
import type { Procedure } from "../../domain/types.ts";
import type { OutputFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { DEFAULT_PREPARE_TIMEOUT_MS, type Duration } from "../framework/options.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { EventPrinter } from "./event_printer.ts";
import { type Followed, followRun, runCount } from "./run.ts";

/** What is being followed, for messages and output. */
export interface Existing {
  /** Names the work in messages, e.g. "activity 2 (procedure 5)". */
  label: string;
  /** The command that follows it again after a detach. */
  followCommand: string;
  /**
   * Writes the table row at the start, and the result in the machine forms;
   * by default the procedure's (an activity writes the activity's).
   */
  write?: (procedure: Procedure, format: OutputFormat) => Promise<void>;
  /** The procedure is known to have existed (an activity names it): a 404 means it was pruned. */
  existed?: boolean;
}

/**
 * A procedure that will never run unless someone starts it: READY, never
 * run, no start on its way. Waiting for it would wait for ever.
 */
function neverStarted(p: Procedure): boolean {
  return p.state === "READY" && runCount(p) === 0 && !isStartPending(p);
}

function notStartedError(p: Procedure, label: string): OetError {
  return new OetError(`${label} is READY and has not been started: there is nothing to wait for`, {
    hint: `start it with: oet procedure start --pid ${p.id}`,
  });
}

/**
 * Follows a procedure that may already be running or finished: subscribe,
 * then read its state, so that no transition falls between the two. One
 * that has already ended is reported at once with its outcome.
 */
export async function followExisting(
  ctx: CommandContext,
  pid: number,
  o: { timeout?: Duration; output: OutputFormat },
  what: Existing,
): Promise<void> {
  const client = ctx.client();
  const write = what.write ??
    ((p: Procedure, format: OutputFormat) => writeProcedures(ctx.io, [p], format, true));
  const writeResult = (p: Procedure) => write(p, o.output);
  let first: Procedure;
  try {
    first = await client.getProcedure(pid);
  } catch (err) {
    if (!(what.existed && err instanceof HttpError && err.resourceMissing)) throw err;
    throw new RemoteFailureError(
      "UNKNOWN",
      `${what.label}: the server no longer knows procedure ${pid} (it keeps only the 10 most recent finished procedures), so the outcome is not known`,
      "the activity's record remains: oet activity describe; a procedure is pruned only after it ended",
    );
  }
  if (isFinal(first.state)) {
    if (o.output === "table") await write(first, "table");
    const printer = new EventPrinter(ctx, o.output);
    // Its state is in the row: the end need not repeat it.
    printer.shown(first.state);
    await printer.finish(first, what.label, writeResult);
    return;
  }
  if (neverStarted(first)) throw notStartedError(first, what.label);
  await followRun(ctx, {
    client,
    output: o.output,
    listen: true,
    timeout: o.timeout,
    prepareTimeoutMs: DEFAULT_PREPARE_TIMEOUT_MS,
    async begin(session) {
      // Under way already: whatever ends the wait from here detaches.
      session.started({ pid, label: what.label, followCommand: what.followCommand });
      // Subscribed: read again, so that nothing falls between the first read and now.
      const p = await session.follower(pid, what.label, what.followCommand).read();
      const followed: Followed = {
        pid,
        label: what.label,
        followCommand: what.followCommand,
        writeResult,
        // A start on its way must start running, and a preparation must end,
        // within the prepare timeout; one that ends READY with no start never runs.
        stall: isStartPending(p)
          ? session.startStall(pid, runCount(p))
          : isPreparing(p.state)
          ? session.prepareStall(pid)
          : undefined,
        check: (q) => {
          if (neverStarted(q)) throw notStartedError(q, what.label);
        },
      };
      session.started(followed);
      if (o.output === "table") await write(p, "table");
      return followed;
    },
  });
}
