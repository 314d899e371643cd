/**
 * Raw sockets, for what no HTTP server (the simulator, the HTTP double)
 * would do: a loopback port nothing listens on, and a TCP server whose
 * handler owns each connection — to answer half, garbage or nothing, or to
 * cut the connection. The one place tests open a listener by hand.
 */

/** A loopback port nothing listens on (it was free a moment ago): connecting is refused. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** A raw TCP server: `onConnection` owns each connection, which is closed when it returns. */
export interface RawServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Stops accepting, ends the handlers (their `closing` signal aborts) and waits for them. */
  close(): Promise<void>;
}

/**
 * Starts a raw TCP server on 127.0.0.1, for answers no HTTP server would
 * send. A handler that holds its connection until the server closes waits
 * for `closing` (e.g. a server that accepts and never answers).
 */
export function startRawServer(
  onConnection: (conn: Deno.Conn, closing: AbortSignal) => Promise<void>,
): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closing = new AbortController();
  const pending = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const p = onConnection(conn, closing.signal).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch {
            // closed by the handler already
          }
          pending.delete(p);
        });
        pending.add(p);
      }
    } catch {
      // the listener was closed
    }
  })();
  return {
    port: listener.addr.port,
    origin: `http://127.0.0.1:${listener.addr.port}`,
    async close() {
      closing.abort();
      listener.close();
      await accepting;
      await Promise.all(pending);
    },
  };
}

/** A handler for {@link startRawServer} that reads nothing and answers nothing until the server closes. */
export function silent(_conn: Deno.Conn, closing: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (closing.aborted) resolve();
    closing.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Reads from `conn` until the end of the request headers (or EOF). */
export async function readRequestHead(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(16_384);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}
