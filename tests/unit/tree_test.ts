/**
 * The command tree's table of contents: a group lists its lazily loaded
 * commands by the summary it holds (so `oet --help` loads none of their
 * modules), and that summary must be the one the command's module declares.
 */

import assert from "node:assert/strict";
import { buildTree } from "../../src/cli/root.ts";
import { type GroupSpec, loadEntry } from "../../src/commands/framework/spec.ts";

Deno.test("every lazily loaded command's summary in its group is the one its module declares", async () => {
  let lazy = 0;
  const visit = async (group: GroupSpec, path: string): Promise<void> => {
    for (const entry of group.commands) {
      const loaded = await loadEntry(entry);
      if (entry.kind === "lazy") {
        lazy++;
        assert.equal(
          entry.summary,
          loaded.summary,
          `${path} ${entry.name}: the group's summary differs from the module's`,
        );
        assert.equal(
          loaded.name,
          entry.name,
          `${path} ${entry.name}: the module names another command`,
        );
      }
      if (loaded.kind === "group") await visit(loaded, `${path} ${entry.name}`);
    }
  };
  await visit(buildTree().root, "oet");
  assert.ok(lazy >= 19, `the tree has its lazy commands (found ${lazy})`);
});
