/**
 * A scriptable loopback OET for the reliability tests: each request goes to
 * a route function the test writes (recorded answers, hostile text, states
 * that change when the test says so), and `GET …/stream` is an event stream
 * the test feeds with `emit` and can leave open and silent for as long as it
 * likes. Every request is logged, for "nothing was sent" checks.
 */

import { changed } from "./wait.ts";

/** One request the fake server saw. */
export interface FakeRequest {
  method: string;
  /** The URL path, without the query. */
  path: string;
  body: string;
}

/** Answers one non-stream request; undefined means 404. */
export type Route = (req: FakeRequest) => Response | undefined | Promise<Response | undefined>;

/** A running fake OET. */
export interface FakeOet {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every request, in arrival order (event stream requests included). */
  readonly requests: FakeRequest[];
  /** Event streams open right now. */
  readonly openStreams: number;
  /** Sends one SSE event (`data:` the JSON text, and `id:` if given) to every open stream. */
  emit(data: unknown, id?: string): void;
  /** Shuts the server down, ending open streams first. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Starts a fake OET on 127.0.0.1 and a free port. */
export function startFakeOet(route: Route): FakeOet {
  const requests: FakeRequest[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const seen = { method: req.method, path: url.pathname, body: await req.text() };
    requests.push(seen);
    changed();
    if (req.method === "GET" && /\/stream\/?$/.test(url.pathname)) {
      let mine: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          mine = controller;
          streams.add(controller);
          changed();
          // The OET starts every stream with a blank line (docs/servers.md, "Event stream wire format").
          controller.enqueue(encoder.encode("\n"));
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
    return (await route(seen)) ?? new Response('{"detail":"Not Found"}', {
      status: 404,
      headers: { "content-type": "application/json" },
    });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    get openStreams() {
      return streams.size;
    },
    emit(data, id) {
      const text = `data:${typeof data === "string" ? data : JSON.stringify(data)}\n${
        id ? `id:${id}\n` : ""
      }\n`;
      for (const s of streams) s.enqueue(encoder.encode(text));
    },
    async close() {
      for (const s of streams) {
        try {
          s.close();
        } catch {
          // the client already went away
        }
      }
      streams.clear();
      await server.shutdown();
    },
  };
}

/** A JSON response, as the OET sends them. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
