// deno-lint-ignore-file no-console -- printing the run's count, time and seed is this script's job
/**
 * `deno task fuzz -- --runs N [--seed S]`: a long search of the follow
 * room's property (tests/support/follow_script.ts) over N generated server
 * timelines. Prints the seed first (a failure names the seed and path that
 * replay it: PROPERTY_SEED=S deno test -A tests/unit/follow_property_test.ts
 * replays the suite's sequence), then the count and the time.
 */

import fc from "fast-check";
import { checkTimeline, timelineArb } from "../tests/support/follow_script.ts";

const args = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(option("--runs") ?? 10_000);
const seed = Number(option("--seed") ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(runs) || runs <= 0) throw new Error("--runs needs a whole number above 0");

console.log(`fuzz: ${runs} timelines, seed ${seed}`);
const started = performance.now();
let done = 0;
await fc.assert(
  fc.asyncProperty(timelineArb(), async (tl) => {
    await checkTimeline(tl);
    if (++done % 10_000 === 0) {
      console.log(`  ${done} … ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }),
  { seed, numRuns: runs },
);
const s = (performance.now() - started) / 1000;
console.log(`fuzz: ${runs} timelines passed in ${s.toFixed(1)} s (seed ${seed})`);
