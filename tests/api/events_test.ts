/**
 * The event stream reader against the raw streams recorded from real OET
 * 5.4.0, 6.6.0 and 7.0.0 servers: decoding (jsonpickle included), chunking at every
 * byte position, CRLF/CR line ends, reconnection after the server closes.
 */

import assert from "node:assert/strict";
import { Transport } from "../../src/api/http.ts";
import {
  backoffDelay,
  decodeEvent,
  EventChunkDecoder,
  readEventStream,
  type StreamItem,
} from "../../src/api/events.ts";
import { decodeJsonPickle } from "../../src/api/jsonpickle.ts";
import { ConnectionError } from "../../src/domain/errors.ts";
import type { Json, OetEvent } from "../../src/domain/types.ts";
import { systemClock } from "../../src/domain/clock.ts";
import { HttpDouble } from "../support/http_double.ts";
import { closedPort } from "../support/sockets.ts";

const STREAMS = [
  "v5.4.0/05-sse-stream.raw",
  "v5.4.0/12-sse-stream-during-abort.raw",
  "v6.6.0/05-sse-stream.raw",
  "v6.6.0/13-sse-stream-short-script.raw",
  "v7.0.0/05-sse-stream.raw",
  "v7.0.0/05b-sse-stream-reconnected.raw",
  "v7.0.0/05c-sse-stream-activities.raw",
];

function raw(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`../fixtures/transcripts/${name}`, import.meta.url));
}

function decodeAll(chunks: Uint8Array[]): OetEvent[] {
  const d = new EventChunkDecoder();
  return chunks.flatMap((c) => d.push(c));
}

/** The SSE messages (data and id) before JSON decoding, which chunking cannot affect. */
function messagesOf(chunks: Uint8Array[]): string[] {
  const d = new EventChunkDecoder((data, id) => `${id ?? ""} ${data}`);
  return chunks.flatMap((c) => d.push(c));
}

/** A seeded PRNG (mulberry32), so failures can be reproduced. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomChunks(bytes: Uint8Array, random: () => number, max = 700): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(random() * max);
    chunks.push(bytes.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

function withLineEnds(bytes: Uint8Array, ending: "\r\n" | "\r"): Uint8Array {
  return new TextEncoder().encode(new TextDecoder().decode(bytes).replaceAll("\n", ending));
}

function hasPyKey(value: Json): boolean {
  if (Array.isArray(value)) return value.some(hasPyKey);
  if (value && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => k.startsWith("py/") || hasPyKey(v));
  }
  return false;
}

/** Complete events in a recording: a truncated last one (7.x closes streams) does not count. */
function completeEvents(bytes: Uint8Array): number {
  const text = new TextDecoder().decode(bytes);
  return text.split("\n\n").slice(0, -1).filter((block) => block.includes("data:")).length;
}

for (const name of STREAMS) {
  Deno.test(`${name}: every event decodes, with its topic and no py/ tag left`, () => {
    const bytes = raw(name);
    const events = decodeAll([bytes]);
    assert.equal(events.length, completeEvents(bytes));
    assert.ok(events.length >= 15, `only ${events.length} events`);
    for (const e of events) {
      assert.ok(e.topic && e.topic !== "unparsed" && e.topic !== "unknown", JSON.stringify(e));
      assert.equal(hasPyKey(e.data), false, `${e.topic}: ${JSON.stringify(e.data).slice(0, 200)}`);
      assert.equal("topic" in e.data, false);
    }
  });

  Deno.test(`${name}: the same events in random chunk sizes and with CRLF and CR line ends`, () => {
    const bytes = raw(name);
    const expected = decodeAll([bytes]);
    const random = prng(name.length * 7919);
    for (let run = 0; run < 20; run++) {
      assert.deepEqual(decodeAll(randomChunks(bytes, random)), expected, `run ${run}`);
    }
    for (const ending of ["\r\n", "\r"] as const) {
      const variant = withLineEnds(bytes, ending);
      assert.deepEqual(decodeAll([variant]), expected, JSON.stringify(ending));
      assert.deepEqual(decodeAll(randomChunks(variant, random)), expected, JSON.stringify(ending));
    }
  });
}

// Splitting at every byte position is quadratic: it is done for every
// stream up to 40 KB and for the first 40 KB of the large 5.4.0 one, in
// LF, CRLF and CR forms, on the SSE messages (JSON decoding of a message
// cannot depend on where the bytes were split; the tests above cover it).
for (const name of STREAMS) {
  Deno.test(`${name}: the same events when split at every byte position`, () => {
    const whole = raw(name);
    for (const ending of ["\n", "\r\n", "\r"] as const) {
      let bytes = ending === "\n" ? whole : withLineEnds(whole, ending);
      if (bytes.length > 40_000) {
        const text = new TextDecoder().decode(bytes);
        const cut = text.indexOf(`${ending}${ending}`, 40_000) + 2 * ending.length;
        bytes = new TextEncoder().encode(text.slice(0, cut));
      }
      const expected = messagesOf([bytes]);
      assert.equal(expected.length, decodeAll([bytes]).length);
      for (let i = 1; i < bytes.length; i++) {
        const got = messagesOf([bytes.subarray(0, i), bytes.subarray(i)]);
        if (got.length !== expected.length || got.some((m, k) => m !== expected[k])) {
          assert.fail(`split at byte ${i} (${JSON.stringify(ending)}) changed the events`);
        }
      }
    }
  });
}

Deno.test("5.4.0 payloads decode to the same plain values the 7.0.0 server sends", () => {
  const v5 = decodeAll([raw("v5.4.0/05-sse-stream.raw")]);
  const created = v5.find((e) => e.topic === "procedure.lifecycle.created")!;
  assert.deepEqual(created.data.result, {
    id: 1,
    script: { script_uri: "file:///srv/oet/scripts/echo_args.py" },
    script_args: [{
      fn: "init",
      fn_args: { args: ["hello", 2], kwargs: { subarray_id: 1, verbose: true } },
      time: 1795476817.4050398,
    }],
    history: { process_states: [], stacktrace: null },
    state: "CREATING",
  });
  assert.equal(created.id, "1795476817381025902");
  assert.equal(created.msgSrc, "SESWorker");
  const states = v5.filter((e) => e.topic === "procedure.lifecycle.statechange" && e.msgSrc === "1")
    .map((e) => e.data.new_state);
  assert.deepEqual(states.slice(0, 6), [
    "CREATING",
    "IDLE",
    "LOADING",
    "IDLE",
    "INITIALISING",
    "READY",
  ]);
  // py/id back-references resolve to the object they name (IDLE, then READY).
  const pool = v5.find((e) =>
    e.topic === "procedure.pool.list" && Array.isArray(e.data.result) && e.data.result.length
  )!;
  const summary = (pool.data.result as Json[])[0] as Record<string, Json>;
  const history = summary.history as Record<string, Json[]>;
  assert.deepEqual(history.process_states.map((p) => (p as Json[])[0]), [
    "CREATING",
    "IDLE",
    "LOADING",
    "IDLE",
    "INITIALISING",
    "READY",
  ]);
  assert.equal(summary.state, "READY");
});

Deno.test("jsonpickle: exceptions, bytes and enums by value decode to plain values", () => {
  const v5 = decodeAll([raw("v5.4.0/05-sse-stream.raw")]);
  const refused = v5.find((e) =>
    e.topic === "procedure.lifecycle.started" && "exception" in (e.data.result as object)
  )!;
  assert.deepEqual(refused.data.result, {
    exception: "ValueError",
    message: "Cannot start PID 8: PID #7 is ProcedureState.RUNNING",
    args: ["Cannot start PID 8: PID #7 is ProcedureState.RUNNING"],
  });
  const git = v5.find((e) =>
    (e.data.result as Record<string, Json>)?.exception === "GitCommandError"
  )!;
  const args = (git.data.result as Record<string, Json[]>).args;
  assert.match(String(args[2]), /^fatal: unable to access/); // py/b64 stderr, decoded
  assert.equal(args[3], "");
  // Python versions that pickle enums by value (docs/servers.md, "Event payloads").
  assert.equal(
    decodeJsonPickle({
      "py/reduce": [{ "py/type": "ska_oso_oet.procedure.domain.ProcedureState" }, {
        "py/tuple": [8],
      }],
    }),
    "RUNNING",
  );
  assert.deepEqual(decodeJsonPickle({ "py/set": [1, 2] }), [1, 2]);
  assert.equal(decodeJsonPickle({ "py/repr": "datetime(1)" }), "datetime(1)");
});

Deno.test("an event whose data is not JSON is kept, not thrown away", () => {
  assert.deepEqual(decodeEvent("not json", "7"), {
    topic: "unparsed",
    id: "7",
    data: { text: "not json" },
  });
});

Deno.test("backoff grows, is capped, and has jitter", () => {
  assert.equal(backoffDelay(0, () => 1), 250);
  assert.equal(backoffDelay(3, () => 1), 2000);
  assert.equal(backoffDelay(30, () => 1), 5000);
  assert.equal(backoffDelay(30, () => 0), 2500);
});

/** A stream server: each connection sends `perConnection` events, then closes (7.x style). */
function closingServer(perConnection: number): HttpDouble {
  let next = 0;
  return new HttpDouble([{
    url: "/stream",
    reusable: true,
    respond: () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const enc = new TextEncoder();
          controller.enqueue(enc.encode("\n"));
          for (let i = 0; i < perConnection; i++) {
            controller.enqueue(
              enc.encode(`data:{"msg_src": "1", "n": ${next++}, "topic": "script.announce"}\n\n`),
            );
          }
          // Half an event, then the end: the real server dies mid-chunk.
          controller.enqueue(enc.encode(`data:{"msg_src": "1", "n": -1`));
          controller.close();
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream; charset=utf-8" },
      });
    },
  }]).listen();
}

Deno.test("readEventStream reconnects after the server closes the stream; the gap says so, no notice", async () => {
  const server = closingServer(3);
  const origin = server.origin;
  const notices: string[] = [];
  const stop = new AbortController();
  const transport = new Transport({
    fetch,
    baseUrl: new URL(origin),
    timeoutMs: 2000,
    userAgent: "t",
  });
  const seen: number[] = [];
  const opens: boolean[] = [];
  try {
    for await (
      const item of readEventStream({
        transport,
        url: `${origin}/stream`,
        signal: stop.signal,
        sleep: systemClock.sleep,
        now: () => Date.now(),
        random: () => 0,
        onNotice: (m) => notices.push(m),
        reconnectWindowMs: 5000,
        initialBackoffMs: 5,
      }) as AsyncGenerator<StreamItem>
    ) {
      if (item.kind === "open") opens.push(item.reconnected);
      else seen.push(...item.events.map((e) => Number(e.data.n)));
      if (seen.length >= 9) break;
    }
  } finally {
    stop.abort();
    await server.close();
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8]); // no loss, no duplicate, no half event
  assert.deepEqual(opens, [false, true, true]);
  assert.equal(server.requests.length, 3);
  // A reconnect that works is said by its gap (in order), not by a notice.
  assert.deepEqual(notices, []);
});

Deno.test("readEventStream: connection refused at the start is a ConnectionError naming the URL", async () => {
  const port = closedPort();
  const url = `http://127.0.0.1:${port}/api/v1.0/stream`;
  const transport = new Transport({
    fetch,
    baseUrl: new URL(url),
    timeoutMs: 2000,
    userAgent: "t",
  });
  const gen = readEventStream({
    transport,
    url,
    signal: new AbortController().signal,
    sleep: systemClock.sleep,
    now: () => Date.now(),
    random: () => 0,
    reconnectWindowMs: 1000,
  });
  const err = await gen.next().catch((e) => e);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.failure, "refused");
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

Deno.test("readEventStream gives up with a ConnectionError when the server stays away", async () => {
  const server = closingServer(1);
  const origin = server.origin;
  const transport = new Transport({
    fetch,
    baseUrl: new URL(origin),
    timeoutMs: 2000,
    userAgent: "t",
  });
  let shutDown = false;
  const err = await (async () => {
    for await (
      const item of readEventStream({
        transport,
        url: `${origin}/stream`,
        signal: new AbortController().signal,
        sleep: systemClock.sleep,
        now: () => Date.now(),
        random: () => 0,
        reconnectWindowMs: 300,
        initialBackoffMs: 20,
      })
    ) {
      if (item.kind === "events" && !shutDown) {
        shutDown = true;
        await server.close();
      }
    }
  })().catch((e) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(err.message, /could not be reopened/);
});
