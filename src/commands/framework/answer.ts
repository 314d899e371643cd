/**
 * The answer of a command that created or started something (`procedure
 * create`, `start --listen=False`, `activity run --listen=False`): when
 * stdout cannot take it, the id must not be lost. It goes to stderr, and the
 * command fails (exit 1), so a script that captured `-o id` learns it has
 * nothing. A listing whose reader went away is a quiet 0 instead, and a
 * closed pipe while a command waits is 141 (the follow room).
 */

import {
  DetachedError,
  OetError,
  OutputClosedError,
  OutputWriteError,
} from "../../domain/errors.ts";

/** True for an error that says stdout could not take what was written. */
export function isOutputLost(err: unknown): boolean {
  return err instanceof OutputClosedError || err instanceof OutputWriteError ||
    (err instanceof DetachedError && /^stdout was closed/.test(err.message));
}

/**
 * The error for an answer stdout could not take: `done` says what was done
 * ("procedure 5 was created"), `see` how to look at it.
 */
export function answerLost(err: unknown, done: string, see: string): OetError {
  const why = err instanceof OutputWriteError ? err.message : "stdout was closed";
  return new OetError(`${done}, but its answer could not be written (${why})`, {
    hint: see,
    cause: err,
  });
}
