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

/**
 * The keyboard and the screen size of the terminal oet runs in, for the one
 * full-screen command (`oet console`). `main.ts` wires it to the real
 * terminal; tests give a virtual one. It also owns giving the terminal back:
 * `main.ts` calls `restore()` on every way out (a normal end, a second
 * Ctrl-C's forced exit, an uncaught error), so a console that dies never
 * leaves the user's shell in raw mode on the alternate screen.
 */
export interface Terminal {
  /** True when both stdin and stdout are terminals. */
  readonly interactive: boolean;
  /** The size now, in character cells. */
  size(): { columns: number; rows: number };
  /**
   * Takes the screen: raw keyboard, alternate screen, hidden cursor. Calls
   * `onKeys` with the text of every key press (escape sequences whole, as
   * read) and `onResize` when the size changes, until `restore()`.
   */
  takeOver(onKeys: (text: string) => void, onResize: () => void): void;
  /** Gives the screen back as it was; safe to call at any time, and again. */
  restore(): void;
}
