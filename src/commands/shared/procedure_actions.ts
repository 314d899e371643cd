/**
 * The rules of starting and stopping a procedure, one for every caller:
 * `oet procedure start` / `stop` and the console's `s` / `x` refuse the
 * same procedures, send the same requests and read the server's answers
 * the same way, with the same errors and hints.
 */

import type { OetClient } from "../../api/client.ts";
import { HttpError, OetError } from "../../domain/errors.ts";
import { isStartPending, runCount } from "../../domain/states.ts";
import type { FunctionArgs, Procedure, StopResult } from "../../domain/types.ts";
import { oetCommand, type TargetAware } from "./target/hint.ts";

/**
 * One rule for a procedure that can no longer start (already started,
 * running, or ended): refused, exit 1, with its state and where to look.
 * (A procedure still being prepared is refused too: `procedure start`
 * waits for its preparation before it asks.)
 */
export function refuseUnstartable(p: Procedure, env: TargetAware = {}): void {
  const refusal = startRefusal(p, env);
  if (refusal) throw refusal;
}

/** The error `refuseUnstartable` throws for `p`, or undefined when `p` can start. */
export function startRefusal(p: Procedure, env: TargetAware = {}): OetError | undefined {
  if (p.state === "READY" && runCount(p) === 0 && !isStartPending(p)) return undefined;
  const running = p.state === "RUNNING" || (p.state === "READY" && runCount(p) > 0);
  const what = p.state === "RUNNING"
    ? "is already RUNNING"
    : isStartPending(p)
    ? "has already been started (it is about to run)"
    : p.state === "READY"
    ? "has already run (it is READY again while it finishes)"
    : `is ${p.state}${failure(p)}`;
  return new OetError(`procedure ${p.id} ${what} and cannot be started`, {
    hint: running || isStartPending(p)
      ? `follow it with: ${oetCommand(env, `procedure wait --pid ${p.id}`)}`
      : `see its history with: ${
        oetCommand(env, `procedure describe --pid ${p.id}`)
      }\na procedure runs once: load the script again with ${
        oetCommand(env, "procedure create …")
      }`,
  });
}

/** ` (FileNotFoundError: …)`: the last line of a stack trace, if there is one. */
function failure(p: Procedure): string {
  const last = p.stacktrace?.trim().split("\n").at(-1)?.trim();
  return last ? ` (${last})` : "";
}

/** Explains the server's "only one procedure runs at a time" refusal. */
function explainStartError(err: unknown, pid: number, env: TargetAware): unknown {
  if (!(err instanceof HttpError) || err.status !== 500) return err;
  const m = err.serverMessage.match(
    /Cannot start PID \d+: PID #(\d+) is (?:ProcedureState\.)?(\w+)/,
  );
  if (!m) return err;
  return new OetError(
    `procedure ${pid} was not started: procedure ${m[1]} is ${
      m[2]
    }, and only one procedure can run at a time (server: ${err.serverMessage})`,
    {
      hint: `wait for it with: ${
        oetCommand(env, `procedure wait --pid ${m[1]}`)
      }   or stop it with: ${oetCommand(env, `procedure stop --pid ${m[1]}`)}`,
    },
  );
}

/**
 * Sends the start of procedure `pid`'s main: a refusal the server explains
 * is said in its words; a 200 that did not start it is an error.
 */
export async function sendStart(
  client: Pick<OetClient, "startProcedure">,
  pid: number,
  main: FunctionArgs,
  env: TargetAware = {},
): Promise<Procedure> {
  let answer;
  try {
    answer = await client.startProcedure(pid, main);
  } catch (err) {
    throw explainStartError(err, pid, env);
  }
  if (answer.state !== "READY") {
    // The server only starts a READY procedure; otherwise it answers 200
    // with the unchanged summary (docs/servers.md, "Errors").
    throw new OetError(
      `the server did not start procedure ${pid}: it is ${answer.state}, not READY`,
      { hint: `check it with: ${oetCommand(env, `procedure describe --pid ${pid}`)}` },
    );
  }
  return answer;
}

/** True when the server's answer to a stop says it did not stop ("Cannot stop …"). */
export function stopRefused(result: StopResult): boolean {
  return /^Cannot stop/i.test(result.message);
}

/**
 * The answer to a stop of procedure `pid`, read: the server answers a stop
 * it refuses with 200 and "Cannot stop …", which is an error (exit 1).
 */
export function checkStopAnswer(result: StopResult, pid: number, env: TargetAware = {}): void {
  if (stopRefused(result)) {
    throw new OetError(result.message, {
      hint: `see its state with: ${oetCommand(env, `procedure describe --pid ${pid}`)}`,
    });
  }
}
