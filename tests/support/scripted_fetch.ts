/**
 * Test doubles for `src/auth`: a fetch that answers from a script and
 * records every request, and an in-memory file system (the clock is
 * tests/support/virtual_clock.ts).
 */

import type { AuthFs, FileInfo } from "../../src/auth/fs.ts";
import { json } from "./fake_oet.ts";

/** One request as the code sent it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as a form, when it was one. */
  form: Record<string, string>;
  redirect: RequestRedirect | undefined;
}

/** One expected request and its answer. */
export interface Step {
  method?: string;
  /** The whole URL, or a pattern. */
  url: string | RegExp;
  /** The answer: a Response, a JSON body (status 200), or a function of the request. */
  respond:
    | Response
    | Record<string, unknown>
    | ((req: RecordedRequest, signal?: AbortSignal) => Response | Promise<Response>);
}

/** Every ScriptedFetch made since the last `verifyScripts()`, in order. */
const made: ScriptedFetch[] = [];

/**
 * A fetch that answers `steps` (stubs) in order and fails the test on
 * anything else; `verify()` fails it when a stub was never used (gh's
 * httpmock `Verify`): a test that scripts a request the code no longer
 * sends says so instead of passing by luck.
 */
export class ScriptedFetch {
  readonly requests: RecordedRequest[] = [];
  readonly #steps: Step[];

  constructor(steps: Step[]) {
    this.#steps = [...steps];
    made.push(this);
  }

  /** Throws naming the stubs that were never used. */
  verify(): void {
    if (!this.#steps.length) return;
    const unused = this.#steps.map((s) => `${s.method ?? "GET"} ${s.url}`).join(", ");
    throw new Error(`${this.#steps.length} scripted request(s) never sent: ${unused}`);
  }

  /** Steps not used yet. */
  get remaining(): number {
    return this.#steps.length;
  }

  /** Adds more steps at the end. */
  push(...steps: Step[]): void {
    this.#steps.push(...steps);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? "GET";
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => headers[k] = v);
    const body = init?.body === undefined || init.body === null ? "" : String(init.body);
    const form: Record<string, string> = {};
    if (headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
      new URLSearchParams(body).forEach((v, k) => form[k] = v);
    }
    const req: RecordedRequest = { method, url, headers, body, form, redirect: init?.redirect };
    this.requests.push(req);
    init?.signal?.throwIfAborted();
    const step = this.#steps.shift();
    if (!step) throw new Error(`unexpected request: ${method} ${url}`);
    const urlOk = typeof step.url === "string" ? step.url === url : step.url.test(url);
    if (!urlOk || (step.method ?? "GET") !== method) {
      throw new Error(`expected ${step.method ?? "GET"} ${step.url}, got ${method} ${url}`);
    }
    const r = step.respond;
    if (r instanceof Response) return r;
    if (typeof r === "function") return await r(req, init?.signal ?? undefined);
    return json(r);
  };
}

/** Verifies every ScriptedFetch made since the last call (see `scriptedTest`). */
export function verifyScripts(): void {
  const all = made.splice(0);
  for (const f of all) f.verify();
}

/**
 * `Deno.test` whose every ScriptedFetch is verified when the test ends (a
 * stub never used fails it), as gh's `defer reg.Verify(t)`.
 */
export function scriptedTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test(name, async () => {
    made.splice(0);
    await fn();
    verifyScripts();
  });
}

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
