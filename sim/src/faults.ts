/**
 * Fault switches for rehearsing a client's error handling against the
 * simulator. All are off by default; each can be set at start-up (CLI flags
 * or `startSimulator({faults})`) or changed while running (`setFaults`).
 */

/** The fault switches. Absent or 0 means off. */
export interface Faults {
  /** Added delay before every request is handled, in ms (the server acts late). */
  latencyMs?: number;
  /** Delay between handling a request and sending the response headers, in ms. */
  slowHeadersMs?: number;
  /** Cut each event stream opened from now on in the middle of event N+1. */
  dropStreamAfter?: number;
  /** Answer the next N requests with a 500 without handling them. */
  fail500Next?: number;
  /** Answer every request whose path matches this regular expression with a 500. */
  fail500Path?: string;
  /**
   * Answer reads (GET) whose path matches `path` with a 500 from the
   * `nth` (1-based) through the `last` such read (default: only the nth):
   * the server's occasional 500 on a read, as 7.0.0's pypubsub "Dead
   * Listener" bug gave a follow-up GET live (2 in ~3,900 requests).
   */
  failRead?: { path: string; nth: number; last?: number };
  /** Truncate the next N successful JSON bodies (`Infinity`: all of them). */
  malformedJson?: number;
  /**
   * The next N starts (PUT `state: RUNNING` that starts a procedure) take
   * effect but answer the flavour's generic 500, as 8.0.0rc1 did when
   * pypubsub raised "Dead Listener called" (`Infinity`: every start).
   */
  start500ButRuns?: number;
  /**
   * Answer every OET request (not the issuer's) with a 307 to the same path
   * and query at this origin, e.g. `http://127.0.0.1:5001`: a proxy that
   * sends the client to another server. No worker slot is taken.
   */
  redirectTo?: string;
}

/** The live fault settings, with their counters. */
export class FaultState {
  #faults: Faults = {};
  #pathRe: RegExp | undefined;
  #readRe: RegExp | undefined;
  /** Reads seen so far whose path matches `failRead.path`. */
  #reads = 0;

  constructor(initial: Faults = {}) {
    this.set(initial);
  }

  /** A copy of the current settings (counters as they stand now). */
  get current(): Faults {
    return { ...this.#faults };
  }

  /** Replaces every switch (pass `{}` to turn all off). */
  set(faults: Faults): void {
    this.#faults = { ...faults };
    this.#pathRe = faults.fail500Path ? new RegExp(faults.fail500Path) : undefined;
    this.#readRe = faults.failRead ? new RegExp(faults.failRead.path) : undefined;
    this.#reads = 0;
  }

  /** True if this request must get a forced 500 (uses up one of `fail500Next`). */
  takeForced500(path: string, method = "GET"): boolean {
    if (this.#pathRe?.test(path)) return true;
    const read = this.#faults.failRead;
    if (read && method === "GET" && this.#readRe!.test(path)) {
      const n = ++this.#reads;
      if (n >= read.nth && n <= (read.last ?? read.nth)) return true;
    }
    const n = this.#faults.fail500Next ?? 0;
    if (n <= 0) return false;
    this.#faults.fail500Next = n - 1;
    return true;
  }

  /** True if this successful JSON body must be malformed (uses one up). */
  takeMalformed(): boolean {
    const n = this.#faults.malformedJson ?? 0;
    if (n <= 0) return false;
    this.#faults.malformedJson = n - 1;
    return true;
  }

  /** True if this start must answer 500 although it ran (uses one up). */
  takeStart500(): boolean {
    const n = this.#faults.start500ButRuns ?? 0;
    if (n <= 0) return false;
    this.#faults.start500ButRuns = n - 1;
    return true;
  }

  get latencyMs(): number {
    return this.#faults.latencyMs ?? 0;
  }

  get slowHeadersMs(): number {
    return this.#faults.slowHeadersMs ?? 0;
  }

  get redirectTo(): string | undefined {
    return this.#faults.redirectTo || undefined;
  }

  get dropStreamAfter(): number | undefined {
    const n = this.#faults.dropStreamAfter;
    return n === undefined || n < 0 ? undefined : n;
  }
}

/** `body` cut in half: still a 200 with a consistent length, no longer JSON. */
export function malform(body: string): string {
  return body.slice(0, Math.max(1, Math.floor(body.length / 2)));
}
