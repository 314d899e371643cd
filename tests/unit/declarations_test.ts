/**
 * The rules of a command's declaration that the compiler cannot check,
 * checked for every command of the tree (the "Add an option" and "Add a
 * command" checklists in docs/development.md point here): an option's long
 * name is kebab-case and its key the same words in camelCase (what `run`
 * reads), no option shares a name or a short letter with another option of
 * its command or with a global one, every option and summary is one line of
 * help in the house style, and every command has examples that run oet.
 */

import assert from "node:assert/strict";
import type { Node } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import {
  type AnyCommand,
  type AnyOption,
  isHidden,
  loadEntry,
} from "../../src/commands/framework/spec.ts";

const tree = buildTree();

/** Every command of the tree with its path, loaded (hidden ones too: they are parsed alike). */
async function commands(): Promise<{ path: string; command: AnyCommand; hidden: boolean }[]> {
  const out: { path: string; command: AnyCommand; hidden: boolean }[] = [];
  const visit = async (node: Node, path: string, hidden: boolean) => {
    if (node.kind === "command") {
      out.push({ path, command: node, hidden });
      return;
    }
    for (const entry of node.commands) {
      await visit(await loadEntry(entry), `${path} ${entry.name}`, hidden || isHidden(entry));
    }
  };
  await visit(tree.root, "oet", false);
  return out;
}

const all = await commands();
const camel = (long: string) => long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const globals = Object.values(tree.globals) as AnyOption[];

Deno.test("the tree has its commands", () => {
  assert.ok(all.length >= 20, `${all.length} commands`);
});

for (const { path, command, hidden } of all) {
  Deno.test(`declaration rules: ${path}`, () => {
    const options = Object.entries(command.options as Record<string, AnyOption>);
    const longs = new Set(globals.map((o) => o.long));
    const shorts = new Set(globals.flatMap((o) => (o.short ? [o.short] : [])));
    for (const [key, o] of options) {
      assert.match(o.long, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${path} --${o.long}: kebab-case`);
      assert.equal(key, camel(o.long), `${path} --${o.long}: its key is ${camel(o.long)}`);
      assert.ok(!longs.has(o.long), `${path} --${o.long}: the name is taken`);
      longs.add(o.long);
      if (o.short) {
        assert.match(o.short, /^[a-zA-Z]$/, `${path} -${o.short}: one letter`);
        assert.ok(!shorts.has(o.short), `${path} -${o.short}: the letter is taken`);
        shorts.add(o.short);
      }
      assert.ok(o.help.trim() !== "" && !o.help.includes("\n"), `${path} --${o.long}: one line`);
      assert.ok(!/\.$/.test(o.help), `${path} --${o.long}: help ends without a period`);
      assert.match(o.help, /^[a-z(]/, `${path} --${o.long}: help starts in lower case`);
    }
    assert.ok(!/[.\n]$/.test(command.summary), `${path}: summary ends without a period`);
    assert.ok(command.summary.length <= 80, `${path}: summary fits a line`);
    if (!hidden) {
      const runs = command.examples.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
      assert.ok(runs.length > 0, `${path}: examples`);
      assert.ok(
        runs.some((l) => l.includes(path.replace(/^oet /, "oet "))),
        `${path}: an example runs ${path}`,
      );
    }
  });
}
