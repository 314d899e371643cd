import assert from "node:assert/strict";
import fc from "fast-check";
import { civilFromDays, formatClock, formatTime, formatTimeMicros } from "../../src/render/time.ts";

const stamps: { t: string; seconds: string; micros: string }[] = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/python/timestamps.json", import.meta.url)),
);

Deno.test("times match CPython's datetime.fromtimestamp for every recorded timestamp", () => {
  assert.ok(stamps.length > 350);
  for (const s of stamps) {
    assert.equal(formatTimeMicros(Number(s.t)), s.micros, s.t);
    assert.equal(formatTime(Number(s.t)), s.seconds, s.t);
  }
});

Deno.test("naive Math.round(t * 1e6) would get about one recorded time in ten wrong", () => {
  let naiveWrong = 0;
  for (const s of stamps) {
    const t = Number(s.t);
    const naive = String(Math.round(t * 1e6) % 1e6).padStart(6, "0");
    if (naive !== s.micros.slice(-6)) naiveWrong++;
  }
  // The point of the half-even rounding on the exact fraction: this must differ.
  assert.ok(naiveWrong >= stamps.length / 20, `${naiveWrong} of ${stamps.length}`);
});

Deno.test("a missing time prints as an empty cell", () => {
  assert.equal(formatTime(undefined), "");
  assert.equal(formatTimeMicros(undefined), "");
});

Deno.test("dates and clocks are Date's, without Date: every 10,007th day of its range, and instants in and beyond it", () => {
  // Date's whole range is ±100,000,000 days; a step of 10,007 days lands on
  // every day of the month, month and leap rule many times over.
  for (let days = -100_000_000; days <= 100_000_000; days += 10_007) {
    const d = new Date(days * 86_400_000);
    assert.deepEqual(civilFromDays(days), {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
    }, `day ${days}`);
  }
  for (let days = -800; days <= 800; days++) { // every day around 1970, both sides
    const d = new Date(days * 86_400_000);
    assert.equal(civilFromDays(days).day, d.getUTCDate(), `day ${days}`);
  }
  fc.assert(
    fc.property(fc.integer({ min: -9e12, max: 9e12 }), (seconds) => {
      const d = new Date(seconds * 1000);
      const pad = (n: number, w = 2) => String(n).padStart(w, "0");
      assert.equal(
        formatTime(seconds),
        `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${
          pad(d.getUTCHours())
        }:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
      );
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.oneof(fc.double({ min: -9e15, max: 9e15 }), fc.double()), (ms) => {
      const d = new Date(ms);
      const pad = (n: number, w = 2) => String(n).padStart(w, "0");
      assert.equal(
        formatClock(ms),
        `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${
          pad(d.getUTCMilliseconds(), 3)
        }`,
      );
    }),
    { numRuns: 2000 },
  );
});
