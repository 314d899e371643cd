/**
 * A golden or generated-document failure says how to rewrite it: the
 * command names the test file that failed (read from the stack), so the
 * fix is one copy and paste.
 */

import assert from "node:assert/strict";
import { markdownLines, regenerateCommand } from "../support/golden.ts";

Deno.test("the rewrite command names the calling test file", () => {
  assert.equal(regenerateCommand(), "UPDATE_GOLDEN=1 deno task test -- tests/unit/golden_test.ts");
  assert.equal(
    regenerateCommand("tests/commands/help_test.ts"),
    "UPDATE_GOLDEN=1 deno task test -- tests/commands/help_test.ts",
  );
});

Deno.test("generated tables compare without deno fmt's padding", () => {
  assert.deepEqual(
    markdownLines("| a | bb |\n| --- | --- |\n| `x` | y |"),
    markdownLines("| a   | bb  |\n| --- | --- |\n| `x` | y   |"),
  );
});
