/**
 * Every failure `oet` can report, one class per failure class.
 *
 * Each carries a one-line message for people and, where useful, a hint (the
 * next thing to try). Which exit code each class means is decided in one
 * place only: `src/cli/exit_codes.ts`.
 */

/** Base class: a message for stderr plus an optional hint line. */
export class OetError extends Error {
  /** A follow-up line for stderr (what to try next), if any. */
  hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** Bad command line: unknown command or option, bad value. Nothing was sent. */
export class UsageError extends OetError {}

/** The server answered with an HTTP error status. */
export class HttpError extends OetError {
  readonly status: number;
  /** The server's own message, extracted from whatever error shape it used. */
  readonly serverMessage: string;
  readonly method: string;
  readonly url: string;
  /** A 404 that says the id is unknown (not a wrong path or server). */
  readonly resourceMissing: boolean;
  constructor(init: {
    status: number;
    serverMessage: string;
    method: string;
    url: string;
    hint?: string;
    resourceMissing?: boolean;
  }) {
    super(`HTTP ${init.status}: ${init.serverMessage}`, { hint: init.hint });
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.method = init.method;
    this.url = init.url;
    this.resourceMissing = init.resourceMissing ?? false;
  }
}

/** How a connection failed before any HTTP answer arrived. */
export type ConnectionFailure =
  | "refused"
  | "dns"
  | "tls"
  | "reset"
  | "timeout"
  | "other";

/** The server could not be reached, or went away mid-request. */
export class ConnectionError extends OetError {
  readonly failure: ConnectionFailure;
  /** The URL that was being requested (credentials removed). */
  readonly url: string;
  constructor(
    failure: ConnectionFailure,
    url: string,
    message: string,
    options?: { hint?: string; cause?: unknown },
  ) {
    super(message, options);
    this.failure = failure;
    this.url = url;
  }
}

/** A 2xx answer whose body is not what the OET API promises. */
export class ProtocolError extends OetError {}

/** A wait (`--timeout`) ran out before the remote work finished. */
export class WaitTimeoutError extends OetError {}

/** A procedure stayed in preparation past `--prepare-timeout`. */
export class StalledError extends OetError {}

/**
 * The user interrupted `oet` (Ctrl-C, SIGTERM) before it finished. The
 * message says what became of the work; `quiet` when there is nothing to say
 * (Ctrl-C is how `oet listen` ends).
 */
export class InterruptedError extends OetError {
  /** The signal that ended the command. */
  readonly signal: "SIGINT" | "SIGTERM";
  readonly quiet: boolean;
  constructor(
    signal: "SIGINT" | "SIGTERM",
    message = "interrupted",
    options: { hint?: string; quiet?: boolean } = {},
  ) {
    super(message, { hint: options.hint });
    this.signal = signal;
    this.quiet = options.quiet ?? false;
  }
}

/** The remote procedure or activity ended in FAILED, STOPPED or UNKNOWN. */
export class RemoteFailureError extends OetError {
  readonly state: string;
  constructor(state: string, message: string, hint?: string) {
    super(message, { hint });
    this.state = state;
  }
}

/** stdout was closed by its reader (`oet … | head -1`): a normal end. */
export class OutputClosedError extends OetError {}
