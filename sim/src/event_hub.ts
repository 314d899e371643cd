/**
 * The `/stream` endpoint's fan-out: every published event goes to every open
 * stream, framed as the recorded servers frame it (`text/event-stream`, a
 * lone `\n` first, then `data:<json>\n` [`id:<request id>\n`] `\n` per event,
 * no `event:` or `retry:` lines).
 *
 * Streams can end three ways: gracefully (simulator shut down), abruptly for
 * everyone (what 7.x does when an event carries an exception), or abruptly
 * for one stream part-way through an event (the "drop after N events" fault).
 * An abrupt end errors the response body, so the HTTP server closes the
 * connection without the final chunk, exactly like the recordings' `curl: (18)`.
 *
 * Each stream holds a worker slot (see worker_pool.ts). When its client
 * leaves, the stream becomes "dead": it keeps the slot until the server has
 * written to it `writesToNotice` times, as the real servers only notice a
 * departed client when a write fails. Events published in the same turn of
 * the event loop (a request's `request.*` event and its reply) are one write.
 *
 * `lagMs` delays delivery on every stream (a proxy or a loaded server): the
 * events published in one turn are delivered together, in order, that much
 * later.
 */

import type { Clock } from "./clock.ts";
import type { WorkerSlot } from "./worker_pool.ts";

/** The error a stream body is aborted with; `server.ts` keeps it quiet. */
export class StreamCut extends Error {
  constructor() {
    super("event stream cut");
    this.name = "StreamCut";
  }
}

/** One event's text: the JSON after `data:`, and the request id if any. */
export interface FormattedEvent {
  data: string;
  id?: string;
}

/** The bytes of one event as it goes on the wire. */
export function frameEvent(event: FormattedEvent): string {
  return `data:${event.data}\n` + (event.id ? `id:${event.id}\n` : "") + "\n";
}

type Ending = "close" | "cut";

class Connection {
  queue: Uint8Array[] = [];
  ending: Ending | undefined;
  wake: (() => void) | undefined;
  sent = 0;
  /** The client has gone; the server has not noticed yet. */
  dead = false;
  /** The hub is done with it (ended by the server, or freed after the client left). */
  finished = false;
  writesSinceLeft = 0;
  writePending = false;
  /** When the last writes went out (performance.now()), newest last; a few are kept. */
  writeTimes: number[] = [];

  constructor(readonly dropAfter: number | undefined, readonly worker: WorkerSlot | undefined) {}

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.#notify();
  }

  end(how: Ending): void {
    this.ending ??= how;
    this.#notify();
  }

  #notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

type Delivery = { kind: "event"; bytes: Uint8Array } | { kind: "cut" };

interface Batch {
  items: Delivery[];
  conns: Connection[];
}

/** Settings of an {@link EventHub}. */
export interface EventHubOptions {
  /** Timers for delayed delivery (cancelled when the simulator closes). */
  clock: Clock;
  /** Delay of every delivery, in ms; 0 delivers at once. */
  lagMs?: number;
  /** Writes to a dead stream before its worker slot is freed (1 or 2). */
  writesToNotice?: number;
  /** Called after a stream opens, its client leaves, or it ends. */
  onChange?: () => void;
}

/** Options of one stream. */
export interface StreamOptions {
  /** Cut the stream in the middle of event N+1 (fault switch). */
  dropAfter?: number;
  /** The worker slot the stream holds (taken over from its request). */
  worker?: WorkerSlot;
}

const encoder = new TextEncoder();

/**
 * How long before Deno reports a departed client its writes still count as
 * writes after the departure. Deno.serve cancels a response body about 13 ms
 * after its client closed the connection (measured on loopback, idle; more
 * under load); the real servers count every write after the client left,
 * noticed or not. A stream that was written to in this window just before
 * its client left is therefore freed one write early: the model errs on the
 * lenient side only there.
 */
const CLIENT_GONE_LAG_MS = 50;

/**
 * The writes after `since` (ms, performance.now()): events written in the
 * same turn of the event loop (a request and its reply) are one write.
 */
function distinctWrites(times: readonly number[], since: number): number {
  let n = 0;
  let last = -Infinity;
  for (const t of times) {
    if (t < since) continue;
    if (t - last >= 1) n++;
    last = t;
  }
  return n;
}

/** Open event streams and the events published to them. */
export class EventHub {
  readonly #live = new Set<Connection>();
  readonly #dead = new Set<Connection>();
  readonly #clock: Clock;
  readonly #writesToNotice: number;
  readonly #onChange: (() => void) | undefined;
  #batch: Batch | undefined;
  /** Delay of every delivery, in ms. */
  lagMs: number;

  constructor(options: EventHubOptions) {
    this.#clock = options.clock;
    this.lagMs = options.lagMs ?? 0;
    this.#writesToNotice = Math.max(1, options.writesToNotice ?? 1);
    this.#onChange = options.onChange;
  }

  /** Number of open streams whose client is still connected. */
  get size(): number {
    return this.#live.size;
  }

  /** Number of streams whose client left while the server has not noticed yet. */
  get deadSize(): number {
    return this.#dead.size;
  }

  /** Opens a stream body. */
  open(options: StreamOptions = {}): ReadableStream<Uint8Array> {
    const conn = new Connection(options.dropAfter, options.worker);
    conn.worker?.become("stream");
    this.#live.add(conn);
    this.#onChange?.();
    // The servers write a lone newline first so the headers go out at once.
    conn.push(encoder.encode("\n"));
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (conn.queue.length === 0 && conn.ending === undefined) {
          await new Promise<void>((resolve) => (conn.wake = resolve));
        }
        // Deliver everything queued before ending, so a cut lands after it.
        const chunk = conn.queue.shift();
        if (chunk) controller.enqueue(chunk);
        else if (conn.ending === "cut") controller.error(new StreamCut());
        else controller.close();
      },
      cancel: () => this.#left(conn),
    }, { highWaterMark: 0 });
  }

  /**
   * Publishes one event. `build` runs only when a stream is open, so idle
   * simulators do not pay for encoding.
   */
  publish(build: () => FormattedEvent): void {
    if (this.#live.size === 0 && this.#dead.size === 0) return;
    this.#send({ kind: "event", bytes: encoder.encode(frameEvent(build())) });
  }

  /** Ends every open stream abruptly (the 7.x serialisation crash), after what is in flight. */
  breakAll(): void {
    if (this.#live.size === 0 && this.#dead.size === 0) return;
    this.#send({ kind: "cut" });
  }

  /** Ends every open stream cleanly and frees their workers (shutdown). */
  closeAll(): void {
    for (const conn of [...this.#live, ...this.#dead]) {
      conn.end("close");
      this.#finish(conn);
    }
    this.#batch = undefined;
  }

  #send(item: Delivery): void {
    if (this.lagMs <= 0) {
      this.#deliver(item, [...this.#live, ...this.#dead]);
      return;
    }
    if (!this.#batch) {
      const batch: Batch = { items: [], conns: [...this.#live, ...this.#dead] };
      this.#batch = batch;
      // Everything published in this turn travels together.
      queueMicrotask(() => {
        if (this.#batch === batch) this.#batch = undefined;
      });
      this.#clock.sleep(this.lagMs).then(
        () => batch.items.forEach((i) => this.#deliver(i, batch.conns)),
        () => {}, // the simulator closed: in-flight events are lost, as on a real shutdown
      );
    }
    this.#batch.items.push(item);
  }

  #deliver(item: Delivery, conns: Connection[]): void {
    for (const conn of conns) {
      if (conn.finished) continue;
      if (conn.dead) {
        // A generator that crashes frees its thread whoever is listening.
        if (item.kind === "cut") this.#finish(conn);
        else this.#wroteToDead(conn);
        continue;
      }
      if (item.kind === "cut") {
        conn.end("cut");
        this.#finish(conn);
        continue;
      }
      if (conn.dropAfter !== undefined && conn.sent >= conn.dropAfter) {
        // Cut mid-chunk: half of this event, then no terminating chunk.
        conn.push(item.bytes.slice(0, Math.max(1, item.bytes.length >> 1)));
        conn.end("cut");
        this.#finish(conn);
        continue;
      }
      conn.sent++;
      conn.push(item.bytes);
      conn.writeTimes.push(performance.now());
      if (conn.writeTimes.length > 8) conn.writeTimes.shift();
    }
  }

  /** The client went away: the server keeps the stream (and its worker) until it writes. */
  #left(conn: Connection): void {
    conn.end("close");
    if (conn.finished) return;
    this.#live.delete(conn);
    conn.dead = true;
    // Deno tells a stream that its client has gone some ms after the client
    // closed; the real servers count every write after the client left,
    // whenever they notice. So the writes of that window count as writes to
    // the departed client.
    conn.writesSinceLeft = distinctWrites(conn.writeTimes, performance.now() - CLIENT_GONE_LAG_MS);
    this.#dead.add(conn);
    conn.worker?.become("dead-stream");
    this.#onChange?.();
    if (conn.writesSinceLeft >= this.#writesToNotice) this.#finish(conn);
  }

  #wroteToDead(conn: Connection): void {
    if (conn.writePending) return;
    conn.writePending = true;
    queueMicrotask(() => {
      conn.writePending = false;
      if (conn.finished) return;
      conn.writesSinceLeft++;
      if (conn.writesSinceLeft >= this.#writesToNotice) this.#finish(conn);
    });
  }

  #finish(conn: Connection): void {
    conn.finished = true;
    this.#live.delete(conn);
    this.#dead.delete(conn);
    conn.worker?.release();
    this.#onChange?.();
  }
}
