/**
 * The README's command table is generated from the command tree
 * (`commandsMarkdown` in src/cli/help.ts: each command's usage and its
 * group's summary): this test keeps the README in step, as
 * tests/unit/exit_codes_doc_test.ts does for the exit codes
 * (`UPDATE_GOLDEN=1` rewrites it; then `deno fmt README.md`). A new command
 * reaches the README by that, not by hand.
 */

import assert from "node:assert/strict";
import { commandsMarkdown } from "../../src/cli/help.ts";
import { buildTree } from "../../src/cli/root.ts";

const README = new URL("../../README.md", import.meta.url);
const START = "<!-- commands:start (generated from the command tree: src/cli/help.ts) -->";
const END = "<!-- commands:end -->";

/** Table lines with cells trimmed, so that `deno fmt`'s padding does not count. */
function rows(markdown: string): string[] {
  return markdown.split("\n").filter((l) => l.startsWith("|")).map((l) =>
    l.split(/(?<!\\)\|/).map((c) => c.trim()).join("|").replace(/-{3,}/g, "---")
  );
}

Deno.test("README: the command table is the command tree's", async () => {
  const text = Deno.readTextFileSync(README);
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  assert.ok(from >= 0 && to > from, "the README has the command-table markers");
  const generated = `${START}\n\n${await commandsMarkdown(buildTree())}\n\n${END}`;
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.writeTextFileSync(README, text.slice(0, from) + generated + text.slice(to + END.length));
    return;
  }
  assert.deepEqual(
    rows(text.slice(from, to)),
    rows(generated),
    "README's command table is out of date: run UPDATE_GOLDEN=1 deno test -A tests/unit/commands_doc_test.ts, then deno fmt README.md",
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
