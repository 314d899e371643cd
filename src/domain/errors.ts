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
    /** Name the URL in the message (a 404 that is not about an id: a wrong API root). */
    showUrl?: boolean;
  }) {
    super(
      `HTTP ${init.status}: ${init.serverMessage}${
        init.showUrl ? ` (${init.method} ${init.url})` : ""
      }`,
      { hint: init.hint },
    );
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

/** Why a request was not authenticated or not allowed. */
export type AuthFailure =
  /** No token was sent (none configured, or the server wants one). */
  | "no-token"
  /** The token expired and could not be renewed (found before sending, or by the server). */
  | "expired"
  /** The server did not accept the token (401): wrong audience, issuer, signature. */
  | "rejected"
  /** The token was accepted but lacks the role or scope the endpoint needs (403). */
  | "forbidden"
  /** Logging in failed or was refused (device code expired, access denied, bad settings). */
  | "login";

/** Not authenticated or not allowed (HTTP 401/403, or a token that cannot be used). */
export class AuthError extends OetError {
  readonly failure: AuthFailure;
  constructor(failure: AuthFailure, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options);
    this.failure = failure;
  }
}

/** stdout was closed by its reader (`oet … | head -1`): a normal end. */
export class OutputClosedError extends OetError {}

/**
 * Writing to stdout failed otherwise: a full disk, a descriptor closed
 * before oet started (`>&-`). An error (exit 1) with a plain message.
 */
export class OutputWriteError extends OetError {}

/**
 * stdout closed while a command waited on remote work (`oet activity run …
 * | head -1`): `oet` detached, nothing was stopped, and the outcome is not
 * known — so this is not a success (exit 141, as for SIGPIPE).
 */
export class DetachedError extends OetError {}
