/**
 * The event stream reader under hostile bytes (fast-check properties,
 * seeded): random bytes, recordings cut short at any point, and events
 * that never end. The decoder never throws, what it yields of a cut
 * recording is a prefix of what the whole recording gives, its memory
 * stays bounded (an oversized event is dropped and counted), and the
 * reader (`readEventStream`) never hangs on a stream that breaks: it
 * reconnects, and gives up after its window, on a virtual clock.
 * Splitting whole recordings at every boundary is tests/api/events_test.ts.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { Transport } from "../../src/api/http.ts";
import {
  EventChunkDecoder,
  MAX_EVENT_CHARS,
  readEventStream,
  type StreamItem,
} from "../../src/api/events.ts";
import { ConnectionError } from "../../src/domain/errors.ts";
import { propertySeed } from "../support/prng.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const SEED = propertySeed(0x5_2026);
const RECORDINGS = [
  "v5.4.0/05-sse-stream.raw",
  "v6.6.0/13-sse-stream-short-script.raw",
  "v7.0.0/05-sse-stream.raw",
  "v7.0.0/05c-sse-stream-activities.raw",
].map((name) => Deno.readFileSync(new URL(`../fixtures/transcripts/${name}`, import.meta.url)));

/** `bytes` cut at the given fractions (sorted), as chunks. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const i of [...at, bytes.length]) {
    if (i > from) out.push(bytes.subarray(from, i));
    from = Math.max(from, i);
  }
  return out;
}

function decodeAll(chunks: Uint8Array[], max?: number) {
  const d = new EventChunkDecoder(undefined, max);
  const events = chunks.flatMap((c) => d.push(c));
  return { events, dropped: d.dropped };
}

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });

Deno.test("hostile bytes: random bytes in random chunks never make the decoder throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), cutsArb, (bytes, cuts) => {
      const { events } = decodeAll(split(bytes, cuts));
      for (const e of events) assert.equal(typeof e.topic, "string");
    }),
    { seed: SEED, numRuns: 500 },
  );
});

Deno.test("hostile bytes: SSE-shaped noise (fields, colons, line ends, broken UTF-8) never makes it throw", () => {
  const piece = fc.oneof(
    fc.constantFrom("data:", "data: ", "id:", "event:", "retry:", ":", "\n", "\r", "\r\n", "\n\n"),
    fc.constantFrom('{"topic":"x","msg_src":"1"}', '{"py/object":', "[1,2", "\u00e9", "\ud800"),
    fc.string({ maxLength: 20 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 200 }), cutsArb, (pieces, cuts) => {
      const bytes = new TextEncoder().encode(pieces.join(""));
      // A stray byte that is not UTF-8 now and then.
      const noisy = Uint8Array.from([...bytes, 0xff, 0xc3]);
      const { events } = decodeAll(split(noisy, cuts));
      for (const e of events) assert.equal(typeof e.topic, "string");
    }),
    { seed: SEED, numRuns: 500 },
  );
});

Deno.test("hostile bytes: a recording cut short anywhere yields a prefix of the whole recording's events", () => {
  const whole = RECORDINGS.map((r) => decodeAll([r]).events.map((e) => JSON.stringify(e)));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: RECORDINGS.length - 1 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      cutsArb,
      (which, end, cuts) => {
        const r = RECORDINGS[which];
        const cut = r.subarray(0, Math.floor(end * r.length));
        const got = decodeAll(split(cut, cuts)).events.map((e) => JSON.stringify(e));
        assert.deepEqual(got, whole[which].slice(0, got.length));
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("hostile bytes: an event that never ends is dropped at the limit (memory bounded), and the stream reads on", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 64, max: 2048 }),
      fc.integer({ min: 1, max: 20 }),
      fc.boolean(),
      (limit, times, asData) => {
        // One line (or many data lines of one event) `times` the limit long, then a good event.
        const line = asData ? `data: ${"x".repeat(limit * times)}` : "x".repeat(limit * times);
        const many = asData ? `${"data: yy\n".repeat(limit)}` : "";
        const good = 'data: {"topic":"ok"}\n\n';
        const text = `${line}${many}\n\n${good}`;
        const chunks = split(new TextEncoder().encode(text), [0.1, 0.3, 0.5, 0.7, 0.9, 0.95]);
        const { events, dropped } = decodeAll(chunks, limit);
        // A data field is held until it overflows; a line that can be no field is not held at all.
        if (asData) assert.ok(dropped >= 1, "the oversized event was dropped");
        assert.equal(events.at(-1)?.topic, "ok", "the next event is read");
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("hostile bytes: with the default limit, a data line of more than 16 Mi characters is dropped, not held", () => {
  const d = new EventChunkDecoder();
  const mib = 1024 * 1024;
  d.push(new TextEncoder().encode(`data: ${"x".repeat(mib - 6)}`));
  const filler = new TextEncoder().encode("x".repeat(mib));
  // Up to the limit the event is held (it may still end) ...
  for (let i = 1; i < MAX_EVENT_CHARS / mib - 1; i++) d.push(filler);
  assert.equal(d.dropped, 0);
  // ... past it, dropped: the parser holds no more than the limit of one event.
  d.push(filler);
  d.push(filler);
  assert.equal(d.dropped, 1);
  assert.equal(d.push(new TextEncoder().encode('\n\ndata: {"topic":"ok"}\n\n'))[0]?.topic, "ok");
});

Deno.test("hostile bytes: the reader never hangs on streams that break: it reconnects, then gives up after its window", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 6 }),
      fc.integer({ min: 0, max: 5 }),
      fc.boolean(),
      async (chunks, connections, breaks) => {
        const clock = new VirtualClock();
        let opened = 0;
        const transport = {
          openStream: () => {
            // The first `connections` opens answer with the hostile bytes; then refused.
            if (opened++ > connections) {
              return Promise.reject(new ConnectionError("refused", "http://oet/stream", "refused"));
            }
            let i = 0;
            return Promise.resolve(
              new Response(
                new ReadableStream<Uint8Array>({
                  pull(c) {
                    if (i < chunks.length) c.enqueue(chunks[i++]);
                    else if (breaks) c.error(new TypeError("error reading a body from connection"));
                    else c.close();
                  },
                }),
              ),
            );
          },
        } as unknown as Transport;
        const items: StreamItem[] = [];
        const notices: string[] = [];
        const err = await (async () => {
          for await (
            const item of readEventStream({
              transport,
              url: "http://oet/stream",
              signal: new AbortController().signal,
              sleep: clock.sleep,
              now: clock.now,
              random: () => 0.5,
              onNotice: (m) => notices.push(m),
              reconnectWindowMs: 60_000,
            })
          ) {
            items.push(item);
            assert.ok(items.length < 10_000, "the reader keeps yielding");
          }
        })().then(() => undefined, (e) => e);
        assert.ok(err instanceof ConnectionError, String(err));
        assert.match(err.message, /could not be reopened/);
        // One open per connection: the first, then one reconnection each.
        assert.equal(items.filter((x) => x.kind === "open").length, connections + 1);
        assert.ok(clock.t - 1_000_000 >= 60_000, "it gave up only after the window");
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});
