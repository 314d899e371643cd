/**
 * `deno task oet` runs oet from a clone exactly as the binary runs: its
 * flags must be PERMISSION_FLAGS, the one list (deno.json cannot import it).
 */

import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";

Deno.test("deno task oet uses exactly the binary's flags", () => {
  assert.equal(denoJson.tasks.oet, `deno run --quiet ${PERMISSION_FLAGS.join(" ")} main.ts`);
});
