/**
 * Property tests of the event stream reader's decoder (`EventChunkDecoder`,
 * src/api/events.ts): seeded, a few thousand streams each. Whatever bytes
 * arrive, in whatever chunks, it never throws; every complete event comes
 * out exactly once, in order, however the stream is cut into chunks.
 */

import assert from "node:assert/strict";
import { EventChunkDecoder } from "../../src/api/events.ts";
import type { Json } from "../../src/domain/types.ts";
import { forAll, propertySeed, randomText, type Rng } from "../support/prng.ts";

const SEED = propertySeed(0x55e_2026);
const encoder = new TextEncoder();

interface Raw {
  data: string;
  id?: string;
}

/** Splits `bytes` at random places, sometimes into single bytes. */
function chunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const tiny = rng.chance(0.2);
  for (let i = 0; i < bytes.length;) {
    const n = tiny ? rng.int(1, 3) : rng.int(1, Math.max(1, Math.ceil(bytes.length / 3)));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * A text for a field value: no line breaks (they end the line), sometimes
 * empty, and well-formed (a lone surrogate cannot be sent as UTF-8).
 */
function fieldText(rng: Rng, max = 12): string {
  return randomText(rng, max).replace(/[\r\n]/g, "").toWellFormed();
}

/**
 * A random SSE stream as the OET could send it, plus what a reader must
 * yield: data fields (maybe several lines), ids, comments, unknown fields,
 * `retry:`, and LF, CRLF or CR line ends, mixed.
 */
function randomStream(rng: Rng): { text: string; events: Raw[] } {
  // Line ends of any kind, mixed; but a CR then an LF would be one CRLF.
  let last = "";
  const eol = () => (last = rng.pick(last === "\r" ? ["\r\n", "\r"] : ["\n", "\n", "\r\n", "\r"]));
  let text = rng.chance(0.7) ? "\n" : "";
  const events: Raw[] = [];
  for (let n = rng.int(0, 8); n > 0; n--) {
    const lines: string[] = [];
    const data: string[] = [];
    let id: string | undefined;
    for (let k = rng.int(1, 3); k > 0; k--) {
      let value = fieldText(rng);
      // "data:" then one optional space, which the reader removes.
      const spaced = rng.chance(0.7) || value.startsWith(" ");
      data.push(value);
      if (spaced) value = ` ${value}`;
      lines.push(`data:${value}`);
      if (rng.chance(0.2)) lines.push(`: ${fieldText(rng)}`);
      if (rng.chance(0.1)) lines.push(`x-unknown: ${fieldText(rng)}`);
    }
    if (rng.chance(0.4)) {
      id = String(rng.int(0, 2 ** 31)) + fieldText(rng, 2).replace(/\0/g, "");
      lines.splice(rng.int(0, lines.length), 0, `id:${id}`);
    }
    if (rng.chance(0.1)) lines.splice(rng.int(0, lines.length), 0, "retry: 1000");
    text += lines.map((l) => l + eol()).join("") + eol();
    const joined = data.join("\n");
    // The reader skips events whose data is empty (the OET never sends them).
    if (joined) events.push(id === undefined ? { data: joined } : { data: joined, id });
  }
  return { text, events };
}

function decodeAll(parts: Uint8Array[]): Raw[] {
  const decoder = new EventChunkDecoder<Raw>((data, id) => (id === undefined ? { data } : {
    data,
    id,
  }));
  return parts.flatMap((p) => decoder.push(p));
}

Deno.test("property: every complete event comes out once, in order, however the bytes are cut", () => {
  forAll(SEED, 3_000, (rng) => {
    const { text, events } = randomStream(rng);
    const bytes = encoder.encode(text);
    assert.deepEqual(decodeAll([bytes]), events, JSON.stringify(text));
    assert.deepEqual(decodeAll(chunks(rng, bytes)), events, JSON.stringify(text));
  });
});

Deno.test("property: an event cut off by the end of a connection is not delivered", () => {
  forAll(SEED + 1, 2_000, (rng) => {
    const { text, events } = randomStream(rng);
    const bytes = encoder.encode(text);
    const cut = rng.int(0, bytes.length);
    const got = decodeAll(chunks(rng, bytes.subarray(0, cut)));
    // What came out is exactly a prefix of the events: none lost before the
    // cut, none duplicated, none made up from half an event.
    assert.ok(got.length <= events.length);
    assert.deepEqual(got, events.slice(0, got.length), JSON.stringify(text.slice(0, cut)));
  });
});

const TAGS = [
  "py/object",
  "py/reduce",
  "py/tuple",
  "py/set",
  "py/id",
  "py/state",
  "py/type",
  "py/function",
  "py/repr",
  "py/bytes",
  "py/b64",
  "py/module",
  "py/newargs",
  "py/seq",
];

/** JSON with jsonpickle tags in random places, with values of any type. */
function pickleish(rng: Rng, depth = 0): Json {
  if (depth > 3 || rng.chance(0.35)) {
    // A back reference: jsonpickle's `py/id`, to any object, an ancestor included.
    if (rng.chance(0.2)) return { "py/id": rng.int(-1, 4) };
    return rng.pick<Json>([null, true, 0, -1, 2, 1e300, "x", "builtins.getattr", "READY", ""]);
  }
  if (rng.chance(0.25)) {
    return Array.from({ length: rng.int(0, 3) }, () => pickleish(rng, depth + 1));
  }
  const o: Record<string, Json> = {};
  for (let n = rng.int(0, 4); n > 0; n--) {
    o[rng.chance(0.7) ? rng.pick(TAGS) : rng.pick(["topic", "msg_src", "result", "a"])] = pickleish(
      rng,
      depth + 1,
    );
  }
  return o;
}

/** Arbitrary bytes, with enough SSE syntax that some of them make events. */
function noise(rng: Rng): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let n = rng.int(0, 30); n > 0; n--) {
    switch (rng.int(0, 4)) {
      case 0:
        parts.push(Uint8Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 255)));
        break;
      case 1:
        parts.push(encoder.encode(rng.pick(["data:", "id:", "\n", "\r\n", "\r", ":", "data: "])));
        break;
      case 2:
        parts.push(encoder.encode(`data:${JSON.stringify(pickleish(rng))}\n\n`));
        break;
      case 3:
        parts.push(encoder.encode(`data:{"topic": ${JSON.stringify(randomText(rng, 4))}}\n\n`));
        break;
      default:
        parts.push(encoder.encode(randomText(rng, 6)));
    }
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

Deno.test("property: arbitrary bytes never make the reader throw (OET decoding included)", () => {
  forAll(SEED + 2, 3_000, (rng) => {
    const bytes = noise(rng);
    const decoder = new EventChunkDecoder(); // the real one: JSON, then jsonpickle
    for (const part of chunks(rng, bytes)) {
      for (const e of decoder.push(part)) {
        assert.equal(typeof e.topic, "string");
        JSON.stringify(e.data);
        // Data that is not JSON is kept as text, as sent; anything decoded has no tag left.
        if (e.topic !== "unparsed") {
          assert.doesNotMatch(JSON.stringify(e.data), /"py\//, JSON.stringify(e));
        }
      }
    }
  });
});

Deno.test("a jsonpickle payload nested too deep to decode is kept as text; the next event comes", () => {
  const deep = `${"[".repeat(200_000)}{"py/tuple": []}${"]".repeat(200_000)}`;
  const decoder = new EventChunkDecoder();
  const events = decoder.push(
    encoder.encode(`data:{"topic": "x", "a": ${deep}}\n\ndata:{"topic": "y"}\n\n`),
  );
  assert.deepEqual(events.map((e) => e.topic), ["unparsed", "y"]);
});
