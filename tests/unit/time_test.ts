import assert from "node:assert/strict";
import { formatTime, formatTimeMicros } from "../../src/render/time.ts";

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
