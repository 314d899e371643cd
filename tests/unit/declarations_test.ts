/**
 * The rules of a command's declaration that the compiler cannot check,
 * checked for every command of the tree (the "Add an option" and "Add a
 * command" checklists in docs/development.md point here): an option's long
 * name is kebab-case and its key the same words in camelCase (what `run`
 * reads), no option shares a name or a short letter with another option of
 * its command or with a global one, every option and summary is one line of
 * help in the house style (an option with a declared default says it), and
 * every command has examples that run oet.
 * And the other way round: every command module under `src/commands/` is
 * reachable from the tree (a module no group lists is dead code nobody
 * would notice).
 */

import assert from "node:assert/strict";
import type { Node } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import {
  type AnyCommand,
  type AnyDeclaration,
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

/**
 * What the help of an option with a declared default must say: `default
 * True`/`default False` for a boolean, `default <value>` for a text value
 * (`default table`), the word `default` for another value (a duration is
 * written for a person: `default 2 min`); undefined when nothing is
 * declared (a switch, or a value whose absence means "not given").
 */
function saysDefault(o: AnyOption): string | undefined {
  if (o.kind === "flag") {
    return o.switch || o.fallback === undefined
      ? undefined
      : `default ${o.fallback ? "True" : "False"}`;
  }
  if (o.kind !== "value" || o.fallback === undefined) return undefined;
  return typeof o.fallback === "string" ? `default ${o.fallback}` : "default";
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
      const said = saysDefault(o);
      assert.ok(said === undefined || o.help.includes(said), `${path} --${o.long}: says "${said}"`);
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

const COMMANDS_DIR = new URL("../../src/commands/", import.meta.url);
/** The rooms of src/commands/ that are not command folders (docs/development.md, Inside src/commands). */
const NOT_COMMANDS = new Set(["framework", "follow", "shared"]);

/** Every module under a command folder of src/commands/, relative to it (`procedure/list.ts`). */
function commandFolderModules(dir = COMMANDS_DIR, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory && !(prefix === "" && NOT_COMMANDS.has(entry.name))) {
      out.push(...commandFolderModules(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (prefix !== "" && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      out.push(`${prefix}${entry.name}`);
    }
  }
  return out.sort();
}

/** A module's exports that are command declarations (`defineCommand`'s result). */
function declarationsIn(module: Record<string, unknown>): [string, AnyDeclaration][] {
  return Object.entries(module).filter(([, v]) =>
    typeof v === "object" && v !== null && typeof (v as AnyDeclaration).run === "function" &&
    typeof (v as AnyDeclaration).examples === "string" && "options" in v
  ) as [string, AnyDeclaration][];
}

Deno.test("every command module is reachable from the tree: its group lists it", async () => {
  // The tree's commands carry their declaration's own run function (namedCommand spreads it).
  const reachable = new Set(all.map(({ command }) => command.run));
  const groups = new Set(tree.root.commands.filter((e) => e.kind === "group").map((e) => e.name));
  const declaring: string[] = [];
  const unlisted: string[] = [];
  for (const file of commandFolderModules()) {
    const source = await Deno.readTextFile(new URL(file, COMMANDS_DIR));
    if (!source.includes("defineCommand(")) continue;
    declaring.push(file);
    const folder = file.split("/")[0];
    const list = groups.has(folder)
      ? `src/commands/${folder}/${folder}.ts (its group)`
      : "src/cli/root.ts (a top-level command)";
    const exported = declarationsIn(await import(new URL(file, COMMANDS_DIR).href));
    if (exported.length === 0) {
      unlisted.push(`src/commands/${file} calls defineCommand but exports no declaration`);
    }
    for (const [name, declaration] of exported) {
      if (!reachable.has(declaration.run)) {
        unlisted.push(
          `src/commands/${file} exports ${name}, but no group lists it: add its lazyCommand entry to ${list}`,
        );
      }
    }
  }
  // Not vacuous: the modules it read are the commands'.
  assert.ok(declaring.includes("procedure/list.ts"), declaring.join(", "));
  assert.ok(declaring.includes("listen/listen.ts"), declaring.join(", "));
  assert.ok(declaring.length >= all.length - 2, `${declaring.length} modules declare a command`);
  assert.deepEqual(unlisted, [], "command modules the tree cannot reach");
});
