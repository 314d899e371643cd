/**
 * The one place that turns outcomes into exit codes (README "Exit codes",
 * `oet --help`):
 *
 * | code | meaning |
 * | ---- | ------- |
 * | 0    | success; a waited-for procedure or activity COMPLETEd |
 * | 1    | error: the server refused, a bad or unexpected answer, anything else |
 * | 2    | usage error: unknown command or option, bad value; nothing was sent |
 * | 3    | the remote procedure/activity ended FAILED, STOPPED or UNKNOWN |
 * | 4    | the server is unreachable: connection refused, DNS, TLS, no answer |
 * | 124  | the wait `--timeout` expired (the work goes on) |
 * | 130  | interrupted by Ctrl-C (SIGINT); a wait detaches, the work goes on |
 * | 143  | terminated by SIGTERM |
 */

import { CommanderError } from "commander";
import {
  ConnectionError,
  InterruptedError,
  OutputClosedError,
  RemoteFailureError,
  UsageError,
  WaitTimeoutError,
} from "../domain/errors.ts";

/** The exit codes, by name. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  remoteFailed: 3,
  unreachable: 4,
  timedOut: 124,
  interrupted: 130,
  terminated: 143,
} as const;

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
    // `oet help …` asked for help (exit 0); a bare `oet procedure` is a usage error.
    if (err.code === "commander.help") return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage;
  }
  if (err instanceof OutputClosedError) return EXIT.ok;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof RemoteFailureError) return EXIT.remoteFailed;
  if (err instanceof ConnectionError) return EXIT.unreachable;
  if (err instanceof WaitTimeoutError) return EXIT.timedOut;
  if (err instanceof InterruptedError) {
    return err.signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
  }
  return EXIT.error;
}

/** The exit code table as help text. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success; a waited-for procedure or activity COMPLETEd
  1    error (the server refused, an unexpected answer, ...)
  2    usage error (unknown command or option, bad value); nothing was sent
  3    the remote procedure/activity ended FAILED, STOPPED or UNKNOWN
  4    server unreachable (connection refused, DNS, TLS, no answer)
  124  the wait --timeout expired (the remote work goes on)
  130  interrupted by Ctrl-C; a wait detaches and the remote work goes on
  143  terminated by SIGTERM`;
