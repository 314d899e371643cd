/**
 * Deno's file system behind the small interface of src/domain/files.ts
 * (the login cache, `OET_TOKEN_FILE`, the contexts file): the program
 * passes `denoAuthFs`, tests a temp directory (with `denoAuthFs` too) or a
 * fake.
 */

import type { FileSystem } from "../domain/files.ts";

export type { FileInfo } from "../domain/files.ts";

/** The file-system operations of `src/auth` (the login cache, OET_TOKEN_FILE). Paths are absolute. */
export type AuthFs = FileSystem;

/** No such file: nothing there, or a file where a directory of the path should be. */
function missing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/** The real file system, through Deno's own calls. */
export const denoAuthFs: AuthFs = {
  async readTextFile(path) {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  writeTextFile(path, data, options) {
    return Deno.writeTextFile(path, data, { mode: options.mode, createNew: options.createNew });
  },
  rename(from, to) {
    return Deno.rename(from, to);
  },
  mkdir(path, mode) {
    return Deno.mkdir(path, { recursive: true, mode });
  },
  async stat(path) {
    try {
      const info = await Deno.stat(path);
      return { mode: info.mode, isFile: info.isFile, isDirectory: info.isDirectory };
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  async remove(path) {
    try {
      await Deno.remove(path);
      return true;
    } catch (err) {
      if (missing(err)) return false;
      throw err;
    }
  },
};

/** A short reason for a file-system error, for messages. */
export function fsReason(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file or directory";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.NotCapable) {
    return "oet was not given permission to use this path";
  }
  if (err instanceof Deno.errors.IsADirectory) return "it is a directory";
  return err instanceof Error ? err.message : String(err);
}
