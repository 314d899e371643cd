/**
 * Fakes for `src/auth` that are not HTTP (that is tests/support/http_double.ts):
 * an in-memory file system that records its calls, one that fails if touched,
 * and unsigned JWTs (the clock is tests/support/virtual_clock.ts).
 */

import type { AuthFs, FileInfo } from "../../src/auth/fs.ts";

/** Every call an in-memory file system received. */
export interface FsCall {
  op: string;
  path: string;
  mode?: number;
}

/** An in-memory AuthFs (POSIX modes), recording calls; `fail` makes an operation throw. */
export class MemoryFs implements AuthFs {
  readonly files = new Map<string, { data: string; mode: number }>();
  readonly dirs = new Map<string, number>();
  readonly calls: FsCall[] = [];
  fail: Partial<Record<keyof AuthFs, Error>> = {};

  #check(op: keyof AuthFs, path: string, mode?: number): void {
    this.calls.push({ op, path, mode });
    const err = this.fail[op];
    if (err) throw err;
  }

  readTextFile(path: string): Promise<string | undefined> {
    this.#check("readTextFile", path);
    return Promise.resolve(this.files.get(path)?.data);
  }

  writeTextFile(
    path: string,
    data: string,
    options: { mode: number; createNew?: boolean },
  ): Promise<void> {
    this.#check("writeTextFile", path, options.mode);
    if (options.createNew && this.files.has(path)) throw new Error(`exists: ${path}`);
    const mode = this.files.get(path)?.mode ?? options.mode;
    this.files.set(path, { data, mode });
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    this.#check("rename", `${from} -> ${to}`);
    const f = this.files.get(from);
    if (!f) throw new Error(`no such file: ${from}`);
    this.files.delete(from);
    this.files.set(to, f);
    return Promise.resolve();
  }

  mkdir(path: string, mode: number): Promise<void> {
    this.#check("mkdir", path, mode);
    if (!this.dirs.has(path)) this.dirs.set(path, mode);
    return Promise.resolve();
  }

  stat(path: string): Promise<FileInfo | undefined> {
    this.#check("stat", path);
    const f = this.files.get(path);
    if (f) return Promise.resolve({ mode: f.mode, isFile: true, isDirectory: false });
    const d = this.dirs.get(path);
    if (d !== undefined) return Promise.resolve({ mode: d, isFile: false, isDirectory: true });
    return Promise.resolve(undefined);
  }

  remove(path: string): Promise<boolean> {
    this.#check("remove", path);
    return Promise.resolve(this.files.delete(path));
  }
}

/** An AuthFs that fails the test if it is used at all. */
export const untouchableFs: AuthFs = new Proxy({} as AuthFs, {
  get(_target, prop) {
    return () => {
      throw new Error(`file system used: ${String(prop)}`);
    };
  },
});

/** A JWT (unsigned, for decoding only) with these claims. */
export function makeJwt(claims: Record<string, unknown>): string {
  const b64 = (s: string) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(
      /\//g,
      "_",
    ).replace(/=+$/, "");
  return `${b64(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${
    b64(JSON.stringify(claims))
  }.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}
