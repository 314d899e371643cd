/**
 * Golden files for what a person reads: `tests/golden/<name>.out` holds the
 * exact expected text. `UPDATE_GOLDEN=1 deno task test` rewrites them (then
 * review the diff). Holes for values that change from run to run (ports,
 * times) are filled by the caller's `normalize` before comparing.
 */

import assert from "node:assert/strict";

const DIR = new URL("../golden/", import.meta.url);

/** Compares text with a golden file, or rewrites the file when asked. */
export function assertGolden(name: string, actual: string): void {
  const file = new URL(`${name}.out`, DIR);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.mkdirSync(new URL(".", file), { recursive: true });
    Deno.writeTextFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(file);
  } catch {
    throw new Error(
      `golden file tests/golden/${name}.out is missing; run with UPDATE_GOLDEN=1 to create it`,
    );
  }
  assert.equal(actual, expected, `output differs from tests/golden/${name}.out`);
}
