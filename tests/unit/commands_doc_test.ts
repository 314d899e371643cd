/**
 * The README's command table is generated from the command tree
 * (`commandsMarkdown` in src/cli/help.ts: each command's usage and its
 * group's summary): this test keeps the README in step, as
 * tests/unit/exit_codes_doc_test.ts does for the exit codes
 * (`UPDATE_GOLDEN=1` rewrites it, formatted as `deno fmt` would). A new
 * command reaches the README by that, not by hand.
 */

import assert from "node:assert/strict";
import { commandsMarkdown } from "../../src/cli/help.ts";
import { buildTree } from "../../src/cli/root.ts";
import { assertGeneratedSection } from "../support/golden.ts";

const README = new URL("../../README.md", import.meta.url);
const START = "<!-- commands:start (generated from the command tree: src/cli/help.ts) -->";
const END = "<!-- commands:end -->";

Deno.test("README: the command table is the command tree's", async () => {
  await assertGeneratedSection(
    README,
    START,
    END,
    `${START}\n\n${await commandsMarkdown(buildTree())}\n\n${END}`,
    "tests/unit/commands_doc_test.ts",
  );
});

Deno.test("the command table has every command help lists, and no hidden one", async () => {
  const table = await commandsMarkdown(buildTree());
  const commands = [...table.matchAll(/^\| `oet ([a-z_ ]+?)(?: [<[]|`)/gm)].map((m) => m[1]);
  assert.ok(commands.includes("procedure list") && commands.includes("auth token"), table);
  assert.ok(commands.includes("help") && commands.includes("completion"), table);
  assert.ok(!commands.some((c) => c.startsWith("__")), "the completion helper is hidden");
  assert.equal(new Set(commands).size, commands.length, "each command once");
});
