/**
 * The console runs React's production build under the binary's exact
 * permissions, where NODE_ENV can be neither read nor set: the switch that
 * console.ts loads before Ink (react_production.ts) selects it. Without the
 * switch React runs its development build, which gives each element a
 * `_store` and records a performance measure per render (and costs CPU:
 * docs/benchmarks.md's console case).
 */

import assert from "node:assert/strict";
import { PERMISSION_FLAGS, RUN_FLAGS } from "../../scripts/permissions.ts";
import { baseEnv, runCommand } from "../support/spawn.ts";

const PROBE = new URL("./console_react_build_probe.ts", import.meta.url).pathname;

Deno.test("console: React's production build is selected under the binary's permissions (no development elements, no render measures)", async () => {
  const r = await runCommand(
    Deno.execPath(),
    ["run", "--quiet", ...PERMISSION_FLAGS, ...RUN_FLAGS, PROBE],
    { env: baseEnv({ NODE_ENV: "development" }), clearEnv: true },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { developmentElements: false, measures: 0 });
});
