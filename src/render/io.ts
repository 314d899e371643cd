/**
 * Where output goes. `main.ts` wires these to the real stdout/stderr; tests
 * use buffers. Data goes to `out`; progress, hints, warnings and errors go
 * to `err`.
 */

/** A terminal's size in character cells. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** One output stream. */
export interface OutStream {
  /**
   * Writes text at once (no buffering that delays a line). Throws an
   * OutputClosedError when the reader has gone (`oet … | head -1`).
   */
  write(text: string): void;
  /** True when a person is looking at it. */
  readonly isTerminal: boolean;
  /** True when colour may be used on it (a TTY, no NO_COLOR, TERM≠dumb, or forced). */
  readonly colour: boolean;
  /** The terminal's width in columns, when it is a terminal. */
  readonly columns?: number;
  /**
   * The terminal's size now (it changes when the window is resized), when
   * it is a terminal and says; a redrawn watch asks before every frame.
   */
  size?(): TerminalSize | undefined;
}

/** Standard input, for the one question oet asks (the typed confirmation). */
export interface InStream {
  /** True when a person can type on it. */
  readonly isTerminal: boolean;
  /**
   * The next line, without its line break; undefined at end of input.
   * Rejects with the signal's reason when it is aborted (Ctrl-C).
   */
  readLine(signal: AbortSignal): Promise<string | undefined>;
}

/** The two output streams of a command, and standard input where one is wired. */
export interface IO {
  out: OutStream;
  err: OutStream;
  /** Absent: no input (as `< /dev/null`, not a terminal). */
  in?: InStream;
}
