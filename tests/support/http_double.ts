/**
 * The one HTTP test double (gh's `httpmock`): a test registers stubs — a
 * matcher (method and URL, path or pattern) and a responder (a Response, a
 * JSON body, a recorded answer, or a function of the request) — and the
 * double answers the code under test with them, either in-process
 * (`double.fetch`, no socket) or over loopback (`listen()`: 127.0.0.1, a
 * free port, `origin`). Both ways go through the same matching, the same
 * request log and the same failures.
 *
 * - A stub answers once, and one-shot stubs are a script: they must be used
 *   in the order given (the replay of a recorded exchange, an OIDC login);
 *   a request that is not the next one fails the test, naming both.
 * - A `reusable` stub is a route: it answers every matching request, in any
 *   order (a server whose state the test changes).
 * - A request no stub matches fails the test ("unexpected request"), unless
 *   the double has an explicit `fallback` (e.g. `notFound`).
 * - `verify()` fails naming every stub never used (a reusable one must have
 *   been used at least once) and every request that failed; `close()` and
 *   `httpTest` call it, so a test cannot forget to: a loopback double left
 *   open fails the resource sanitizer, and the in-process `fetch` answers
 *   only inside `httpTest`. A stub a test may legitimately leave unused says
 *   why in `unused`.
 * - `eventStream()` is a route that answers with a live SSE stream the test
 *   feeds with `emit` (the OET's leading blank line first), counted in
 *   `openStreams`.
 *
 * A failed request rejects (in-process) or is answered 599 with the reason
 * (loopback), and is kept for `verify()`, so code that swallows the error
 * still fails the test. Every recorded request and every stream opened or
 * closed calls `changed()` (tests/support/wait.ts), so `until` sees it.
 */

import type { RecordedResponse } from "./transcripts.ts";
import { changed } from "./wait.ts";

/** One request as the code sent it. */
export interface SeenRequest {
  method: string;
  /** The whole URL as sent (loopback: `http://127.0.0.1:PORT/…`). */
  url: string;
  /** Path and query, e.g. `/api/v1.0/procedures`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as a form, when it was one. */
  form: Record<string, string>;
  /** The fetch's redirect mode (in-process; loopback sees `follow`). */
  redirect: RequestRedirect;
}

/** What a stub answers with. */
export type Responder =
  /** Sent as it is (a copy each time, so a reusable stub can send it again). */
  | Response
  /** A JSON body, status 200. */
  | Record<string, unknown>
  | unknown[]
  /** Any answer, computed when the request comes (it may throw: a network error). */
  | ((req: SeenRequest, signal?: AbortSignal) => Response | Promise<Response>);

/** One stub: which requests it answers, and how. */
export interface Stub {
  /** The method; GET unless given; `*` for any. */
  method?: string;
  /**
   * The whole URL (`http://…`), a path with its query (`/api/v1.0/procedures`,
   * matched exactly), or a pattern tested against the whole URL; any URL
   * when left out.
   */
  url?: string | RegExp;
  /** A further condition on the request (a header, the form). */
  when?: (req: SeenRequest) => boolean;
  respond: Responder;
  /** A route: answers every matching request, in any order. */
  reusable?: boolean;
  /** Why this stub may go unused (verify does not ask for it then). */
  unused?: string;
}

/** How the double answers a request no stub matches. */
export interface HttpDoubleOptions {
  /** Answers anything no stub matches, without failing the test (a server with routes). */
  fallback?: Responder;
}

/** A JSON response, as the OET sends them. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** The OET's 404 for a path it does not serve (FastAPI's body). */
export function notFound(): Response {
  return json({ detail: "Not Found" }, 404);
}

/** Headers the server sets itself: a recorded copy would contradict it. */
const HOP_HEADERS = ["content-length", "date", "server", "transfer-encoding", "connection"];

/** A recorded answer (tests/support/transcripts.ts) as a Response. */
export function recorded(r: RecordedResponse): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(r.headers)) {
    if (!HOP_HEADERS.includes(k)) headers.set(k, v);
  }
  return new Response(r.body === "" ? null : r.body, {
    status: r.status,
    statusText: r.statusText,
    headers,
  });
}

/**
 * A script of recorded answers, in order, each for a request that `match`
 * describes (any request unless given).
 */
export function replayed(
  responses: readonly RecordedResponse[],
  match: Pick<Stub, "method" | "url"> = { method: "*" },
): Stub[] {
  return responses.map((r) => ({ ...match, respond: recorded(r) }));
}

/** The OET's event stream: `GET …/stream` (7.x: `…/stream/`). */
const STREAM_URL = /\/stream\/?$/;

/** Every double made since the last `verifyDoubles()`, in order. */
const made: HttpDouble[] = [];

/** Whether an `httpTest` is running (it verifies the doubles it made when it ends). */
let inHttpTest = false;

const encoder = new TextEncoder();

interface Entry {
  stub: Stub;
  uses: number;
  /** The event-stream route (see `eventStream`): whether it opens with the OET's blank line. */
  stream?: { greeting: boolean };
}

/** A scripted HTTP server, in-process or on loopback; see the module's doc. */
export class HttpDouble {
  /** Every request, in arrival order (event-stream requests included). */
  readonly requests: SeenRequest[] = [];
  /** What went wrong while serving: unexpected or out-of-order requests. */
  readonly failures: string[] = [];
  readonly #entries: Entry[] = [];
  readonly #fallback?: Responder;
  readonly #streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #closed = false;
  #tls = false;

  constructor(stubs: Stub[] = [], options: HttpDoubleOptions = {}) {
    this.#fallback = options.fallback;
    this.stub(...stubs);
    made.push(this);
  }

  /** Adds stubs (one-shot ones go at the end of the script). */
  stub(...stubs: Stub[]): this {
    for (const stub of stubs) this.#entries.push({ stub, uses: 0 });
    return this;
  }

  /**
   * Serves the OET event stream at `GET …/stream` (and `…/stream/`): each
   * request opens a stream that starts with the OET's blank line (`silent`:
   * not even that, a buffering proxy) and then stays open until `emit` or
   * `close`. `unused` as for a stub.
   */
  eventStream(o: { silent?: boolean; unused?: string } = {}): this {
    this.#entries.push({
      stub: { method: "GET", url: STREAM_URL, respond: {}, reusable: true, unused: o.unused },
      uses: 0,
      stream: { greeting: !o.silent },
    });
    return this;
  }

  /** Starts answering on 127.0.0.1 and a free port (see `origin`); https with `tls`. */
  listen(tls?: { cert: string; key: string }): this {
    if (this.#server) throw new Error("the HTTP double is already listening");
    this.#tls = tls !== undefined;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {}, ...tls },
      async (req) => {
        try {
          // No signal: Deno.serve's request.signal also fires on a delivered answer.
          return await this.#answer(req);
        } catch (e) {
          // A failure is kept for verify(); the client gets it in words.
          return new Response(`http double: ${e instanceof Error ? e.message : e}\n`, {
            status: 599,
          });
        }
      },
    );
    return this;
  }

  /** `http://127.0.0.1:PORT` (`https:` with TLS), after `listen()`. */
  get origin(): string {
    if (!this.#server) throw new Error("the HTTP double is not listening: call listen()");
    return `${this.#tls ? "https" : "http"}://127.0.0.1:${this.#server.addr.port}`;
  }

  /**
   * A fetch that answers from the stubs, in-process; only inside `httpTest`,
   * which verifies the double when the test ends (a loopback double is
   * verified by `close()`, which the resource sanitizer makes every test call).
   */
  readonly fetch: typeof fetch = (input, init) => {
    if (!inHttpTest && !this.#server) {
      return Promise.reject(
        new Error(
          "an in-process HttpDouble answers only inside httpTest, which verifies it " +
            "when the test ends: use httpTest(…) instead of Deno.test(…)",
        ),
      );
    }
    // Recorded even when already aborted: the code did send it.
    return this.#answer(new Request(input, init), init?.signal ?? undefined, true);
  };

  /** One-shot stubs not used yet. */
  get remaining(): number {
    return this.#entries.filter((e) => !e.stub.reusable && e.uses === 0).length;
  }

  /** Event streams open right now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Sends one SSE event (`data:` the JSON text, and `id:` if given) to every open stream. */
  emit(data: unknown, id?: string): void {
    const text = `data:${typeof data === "string" ? data : JSON.stringify(data)}\n${
      id ? `id:${id}\n` : ""
    }\n`;
    for (const s of this.#streams) s.enqueue(encoder.encode(text));
  }

  /**
   * Throws naming every stub never used (a reusable one: never at all) and
   * every request that failed, unless the stub says why it may be unused.
   */
  verify(): void {
    const problems = [...this.failures];
    const unused = this.#entries.filter((e) => e.uses === 0 && e.stub.unused === undefined);
    if (unused.length) {
      problems.push(
        `${unused.length} stub(s) never used: ${unused.map((e) => describe(e.stub)).join(", ")}`,
      );
    }
    if (problems.length) throw new Error(`HTTP double: ${problems.join("; ")}`);
  }

  /**
   * For tests of the double itself, which check its failures by hand:
   * `httpTest` no longer verifies it.
   */
  discard(): void {
    const i = made.indexOf(this);
    if (i >= 0) made.splice(i, 1);
  }

  /** Ends open streams, stops listening, then verifies (see `verify`). */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const s of this.#streams) {
        try {
          s.close();
        } catch {
          // the client already went away
        }
      }
      this.#streams.clear();
      changed();
      await this.#server?.shutdown();
    }
    this.verify();
  }

  async #answer(request: Request, signal?: AbortSignal, inProcess = false): Promise<Response> {
    const seen = await record(request);
    this.requests.push(seen);
    changed();
    if (inProcess) signal?.throwIfAborted();
    const entry = this.#match(seen);
    if (entry === undefined) {
      if (this.#fallback !== undefined) return await respond(this.#fallback, seen, signal);
      const next = this.#entries.find((e) => !e.stub.reusable && e.uses === 0);
      const failure = next
        ? `expected ${describe(next.stub)}, got ${seen.method} ${seen.url}`
        : `unexpected request: ${seen.method} ${seen.url}`;
      this.failures.push(failure);
      throw new Error(failure);
    }
    entry.uses++;
    if (entry.stream) return this.#openStream(entry.stream.greeting);
    return await respond(entry.stub.respond, seen, signal);
  }

  /** The next one-shot stub if it matches, else the first reusable one that does. */
  #match(req: SeenRequest): Entry | undefined {
    const next = this.#entries.find((e) => !e.stub.reusable && e.uses === 0);
    if (next && matches(next.stub, req)) return next;
    return this.#entries.find((e) => e.stub.reusable && matches(e.stub, req));
  }

  #openStream(greeting: boolean): Response {
    const streams = this.#streams;
    let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        mine = controller;
        streams.add(controller);
        changed();
        // The OET starts every stream with a blank line (docs/servers.md, "Event stream wire format").
        if (greeting) controller.enqueue(encoder.encode("\n"));
      },
      cancel() {
        if (mine) streams.delete(mine);
        changed();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }
}

/** Verifies every double made since the last call (see `httpTest`). */
export function verifyDoubles(): void {
  const all = made.splice(0);
  for (const d of all) d.verify();
}

/**
 * `Deno.test` whose every HTTP double is verified when the test ends (a
 * stub never used fails it), as gh's `defer reg.Verify(t)`. A test that
 * fails on its own keeps its own error.
 */
export function httpTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test(name, async () => {
    made.splice(0);
    inHttpTest = true;
    try {
      await fn();
    } finally {
      inHttpTest = false;
    }
    verifyDoubles();
  });
}

function describe(stub: Stub): string {
  const what = `${stub.method ?? "GET"} ${stub.url ?? "(any URL)"}${stub.when ? " (when …)" : ""}`;
  return stub.reusable ? `${what} (reusable)` : what;
}

function matches(stub: Stub, req: SeenRequest): boolean {
  const method = stub.method ?? "GET";
  if (method !== "*" && method !== req.method) return false;
  if (stub.when && !stub.when(req)) return false;
  const url = stub.url;
  if (url === undefined) return true;
  if (url instanceof RegExp) return url.test(req.url);
  return url.startsWith("/") ? url === req.path : url === req.url;
}

async function record(request: Request): Promise<SeenRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => headers[k] = v);
  const body = request.body ? await request.text() : "";
  const form: Record<string, string> = {};
  if (headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
    new URLSearchParams(body).forEach((v, k) => form[k] = v);
  }
  const url = new URL(request.url);
  return {
    method: request.method,
    url: request.url,
    path: url.pathname + url.search,
    headers,
    body,
    form,
    redirect: request.redirect,
  };
}

async function respond(r: Responder, req: SeenRequest, signal?: AbortSignal): Promise<Response> {
  if (r instanceof Response) return r.clone();
  if (typeof r === "function") return await r(req, signal);
  return json(r);
}
