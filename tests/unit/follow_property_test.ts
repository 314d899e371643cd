/**
 * Properties of the follow room over generated server timelines
 * (tests/support/follow_script.ts): the real follower and the plans of the
 * real commands, in-process, on the virtual clock. Seeded: a failure
 * prints the seed and the path of the smallest failing timeline
 * (`PROPERTY_SEED=n` replays another sequence; `deno task fuzz -- --runs N`
 * runs a long search).
 */

import fc from "fast-check";
import { checkTimeline, timelineArb } from "../support/follow_script.ts";
import { propertySeed } from "../support/prng.ts";

const SEED = propertySeed(0x19_2026);

Deno.test("follow room: every generated server timeline keeps the waiting contract", async () => {
  await fc.assert(fc.asyncProperty(timelineArb(), checkTimeline), {
    seed: SEED,
    numRuns: 1_200,
  });
});
