/**
 * A loopback HTTP server that answers with recorded responses, in order, and
 * logs what it was asked. Used by the contract tests (the client against
 * real 5.4.0 and 7.0.0 traffic) and by command golden tests.
 */

import type { RecordedResponse } from "./transcripts.ts";

/** One request the replay server saw. */
export interface SeenRequest {
  method: string;
  /** Path and query, e.g. `/api/v1.0/procedures`. */
  path: string;
  body: string;
  headers: Headers;
}

/** A running replay server. */
export interface ReplayServer {
  origin: string;
  requests: SeenRequest[];
  /** Responses still to be served (the tests check it is empty at the end). */
  queue: RecordedResponse[];
  /** Appends responses to serve next. */
  push(...responses: RecordedResponse[]): void;
  close(): Promise<void>;
}

/** Starts a replay server on 127.0.0.1 and a free port. */
export function startReplay(responses: RecordedResponse[] = []): ReplayServer {
  const queue = [...responses];
  const requests: SeenRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      body: await req.text(),
      headers: req.headers,
    });
    const next = queue.shift();
    if (!next) return new Response("replay: no recorded response left", { status: 599 });
    const headers = new Headers();
    for (const [k, v] of Object.entries(next.headers)) {
      if (!["content-length", "date", "server", "transfer-encoding", "connection"].includes(k)) {
        headers.set(k, v);
      }
    }
    return new Response(next.body === "" ? null : next.body, {
      status: next.status,
      statusText: next.statusText,
      headers,
    });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    queue,
    push: (...r) => queue.push(...r),
    close: () => server.shutdown(),
  };
}
