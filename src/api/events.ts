/**
 * The OET event stream (`GET <root>/stream`), read with `fetch` and
 * `eventsource-parser`, decoded and reconnected.
 *
 * The wire (docs/servers.md, "Event stream wire format"): a leading `\n`, then `data:<json>` plus an
 * optional `id:<request id>` per event, no `event:`/`retry:`, no keep-alives,
 * no replay. A 7.x server closes every open stream after an internal error,
 * so the reader reconnects with capped exponential backoff and jitter, says
 * so once per outage, and tells its consumer (an `open` item with
 * `reconnected: true`) so that it can re-read state it may have missed.
 */

import { createParser, type EventSourceMessage } from "eventsource-parser";
import { formatDuration } from "../domain/duration.ts";
import { ConnectionError, HttpError } from "../domain/errors.ts";
import {
  isJsonObject,
  type Json,
  type JsonObject,
  type OetEvent,
  type StreamGap,
} from "../domain/types.ts";

export type { StreamGap };
import { decodeJsonPickle, hasPickleTags } from "./jsonpickle.ts";
import type { Transport } from "./http.ts";

/** Decodes one SSE message's data into an event (jsonpickle for 5.x/6.x). */
export function decodeEvent(data: string, id?: string): OetEvent {
  let payload: Json;
  try {
    payload = JSON.parse(data);
  } catch {
    return { topic: "unparsed", id, data: { text: data } };
  }
  if (hasPickleTags(data)) {
    try {
      payload = decodeJsonPickle(payload);
    } catch {
      // Too deep to decode: kept as sent, so that one event cannot break the stream.
      return { topic: "unparsed", id, data: { text: data } };
    }
  }
  if (!isJsonObject(payload)) return { topic: "unparsed", id, data: { value: payload } };
  const { topic, msg_src, ...rest } = payload as JsonObject;
  const event: OetEvent = { topic: typeof topic === "string" ? topic : "unknown", data: rest };
  if (id) event.id = id;
  if (msg_src !== undefined && msg_src !== null) event.msgSrc = String(msg_src);
  return event;
}

/**
 * Turns the bytes of one connection into events, chunk by chunk: UTF-8 and
 * SSE fields may be split anywhere between chunks. A new connection needs a
 * new decoder (a half-received event is dropped with its connection).
 * `decode` maps each message's data and id (tests use the raw form).
 */
export class EventChunkDecoder<T = OetEvent> {
  readonly #text = new TextDecoder();
  #batch: T[] = [];
  readonly #parser;
  #overflowed = false;
  /** Events dropped because they grew past the limit before they ended. */
  dropped = 0;

  /**
   * `maxEventChars` bounds what is held of one event before its end arrives
   * (a stream that never ends a line or an event must not fill memory): an
   * event larger than that is dropped, and counted in `dropped`.
   */
  constructor(
    decode: (data: string, id?: string) => T = decodeEvent as never,
    maxEventChars = MAX_EVENT_CHARS,
  ) {
    this.#parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        if (message.data) this.#batch.push(decode(message.data, message.id));
      },
      onError: (err) => {
        if (err.type === "max-buffer-size-exceeded") this.#overflowed = true;
      },
      maxBufferSize: maxEventChars,
    });
  }

  /** Feeds one chunk; returns the events it completed. Never throws. */
  push(chunk: Uint8Array): T[] {
    try {
      this.#parser.feed(this.#text.decode(chunk, { stream: true }));
    } catch {
      // The parser stopped at an oversized event (below).
      this.#overflowed = true;
    }
    if (this.#overflowed) {
      // Drop the oversized event and read on from here.
      this.#overflowed = false;
      this.dropped++;
      this.#parser.reset();
    }
    const events = this.#batch;
    this.#batch = [];
    return events;
  }
}

/**
 * The most of one event held before it ends (16 Mi characters): OET events
 * are small (an SB is tens of kB); a stream that never ends an event must
 * not fill memory.
 */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** What the reader yields: a (re)connection, or the events of one chunk. */
export type StreamItem =
  | { kind: "open"; reconnected: false }
  | { kind: "open"; reconnected: true; gap: StreamGap }
  | { kind: "events"; events: OetEvent[] };

/** Settings of one stream reader. */
export interface EventStreamOptions {
  transport: Transport;
  url: string;
  /** Ends the stream (Ctrl-C); its reason is thrown. */
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  /**
   * Receives one line per outage, for stderr; for an outage, `since` is
   * when the stream's last data came (events after it may be missing).
   */
  onNotice?: (message: string, since?: number) => void;
  /** Give up (ConnectionError) after the stream has been down this long. */
  reconnectWindowMs: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** The delay before reconnect attempt `n` (0-based): capped, with jitter. */
export function backoffDelay(n: number, random: () => number, initial = 250, max = 5000): number {
  const base = Math.min(max, initial * 2 ** Math.min(n, 20));
  return Math.round(base * (0.5 + random() / 2));
}

/**
 * Reads the event stream for as long as the consumer iterates. Connection
 * refused (or any error) before the first connection is thrown at once.
 */
export async function* readEventStream(o: EventStreamOptions): AsyncGenerator<StreamItem> {
  let connected = false;
  let attempt = 0;
  let downSince: number | undefined;
  let noticed = false;
  // Where the last connection left off, for the gap the next one reports.
  let lastData = 0;
  let reason = "";
  while (true) {
    let response: Response;
    try {
      response = await o.transport.openStream(o.url, o.signal);
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (!connected || !(err instanceof ConnectionError || err instanceof HttpError)) throw err;
      downSince ??= o.now();
      if (o.now() - downSince >= o.reconnectWindowMs) {
        throw new ConnectionError(
          err instanceof ConnectionError ? err.failure : "other",
          err instanceof ConnectionError ? err.url : o.url,
          `the event stream could not be reopened for ${
            formatDuration(o.now() - downSince)
          }: ${err.message}`,
          { hint: err.hint, cause: err },
        );
      }
      if (!noticed) {
        o.onNotice?.(`event stream unavailable (${err.message}); retrying`, lastData);
        noticed = true;
      }
      await o.sleep(
        backoffDelay(attempt++, o.random, o.initialBackoffMs, o.maxBackoffMs),
        o.signal,
      );
      continue;
    }
    if (connected) {
      yield { kind: "open", reconnected: true, gap: { from: lastData, to: o.now(), reason } };
    } else yield { kind: "open", reconnected: false };
    connected = true;
    attempt = 0;
    downSince = undefined;
    noticed = false;
    lastData = o.now();

    const decoder = new EventChunkDecoder();
    const reader = response.body!.getReader();
    reason = "the server closed the event stream";
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        lastData = o.now();
        const dropped = decoder.dropped;
        const events = decoder.push(value);
        if (decoder.dropped > dropped) {
          o.onNotice?.(
            `the event stream sent an event larger than ${
              MAX_EVENT_CHARS / 1024 / 1024
            } Mi characters; it was dropped`,
          );
        }
        if (events.length) yield { kind: "events", events };
      }
    } catch {
      if (o.signal.aborted) throw o.signal.reason;
      // Plain words: the runtime's text ("error reading a body from
      // connection") says nothing more, and the gap note quotes the reason.
      reason = "the event stream broke";
    } finally {
      // Also runs when the consumer stops iterating.
      await reader.cancel().catch(() => {});
    }
    if (o.signal.aborted) throw o.signal.reason;
    downSince = o.now();
    // Nothing said yet: a reconnect that works is said once, in order, by
    // the gap it reports; one that fails says "unavailable; retrying".
    await o.sleep(backoffDelay(attempt++, o.random, o.initialBackoffMs, o.maxBackoffMs), o.signal);
  }
}
