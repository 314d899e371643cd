/**
 * The file-system operations oet's own files need (the login cache, the
 * contexts file, OET_TOKEN_FILE), behind one small interface: the program
 * passes Deno's (src/auth/fs.ts), tests a temp directory or a fake. A
 * missing file is `undefined`, not an exception, so fakes need not imitate
 * Deno's errors.
 */

/** What `stat` tells. */
export interface FileInfo {
  /** Permission bits (`0o600`); null where the platform has none (Windows). */
  mode: number | null;
  isFile: boolean;
  isDirectory: boolean;
}

/** File-system operations. Paths are absolute. */
export interface FileSystem {
  /** The file's text, or undefined if there is no such file. */
  readTextFile(path: string): Promise<string | undefined>;
  /**
   * Writes `data` to `path`. With `createNew`, fails if `path` exists; `mode`
   * applies when the file is created (before any byte is written).
   */
  writeTextFile(
    path: string,
    data: string,
    options: { mode: number; createNew?: boolean },
  ): Promise<void>;
  /** Renames `from` to `to`, replacing `to` at once (same directory: atomic). */
  rename(from: string, to: string): Promise<void>;
  /** Creates `path` and missing parents with `mode`; no error if it exists. */
  mkdir(path: string, mode: number): Promise<void>;
  /** What `path` is, following symlinks; undefined if there is none. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Removes a file; false if there was none. */
  remove(path: string): Promise<boolean>;
}

/**
 * Whether an error from reading a file says it is not there: Deno's
 * NotFound, or a message that says so (a fake's, another runtime's).
 * Compares text rather than matching `/NotFound|No such file|os error 2/i`,
 * so that no regular expression runs at start-up (src/domain/text.ts).
 */
export function isMissingFileError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const text = `${err.name} ${err.message}`.toLowerCase();
  return text.includes("notfound") || text.includes("no such file") || text.includes("os error 2");
}
