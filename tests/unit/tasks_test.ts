/**
 * `deno task oet` runs oet from a clone exactly as the binary runs: its
 * flags must be PERMISSION_FLAGS, the one list (deno.json cannot import it),
 * and RUN_FLAGS, which make `deno run` load modules as the binary does.
 */

import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { PERMISSION_FLAGS, RUN_FLAGS } from "../../scripts/permissions.ts";

Deno.test("deno task oet uses exactly the binary's flags, and deno run's own", () => {
  assert.equal(
    denoJson.tasks.oet,
    `deno run --quiet ${[...PERMISSION_FLAGS, ...RUN_FLAGS].join(" ")} main.ts`,
  );
});

Deno.test("deno.json sets no unstable feature (lazy dynamic imports there empty the binary)", () => {
  assert.equal("unstable" in denoJson, false);
});
