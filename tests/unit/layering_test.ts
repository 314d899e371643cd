/**
 * The layering of `src/`, as docs/development.md ("Layout") writes it, held
 * on every import of every module (static, `export … from`, dynamic, and
 * type-only: a type import still ties two rooms together).
 *
 * Top level: `cli` → `commands` → `api`, `auth`, `render`, `config` →
 * `domain`. Inside `src/commands/` each file belongs to one room:
 *
 * - `framework/`: how a command is declared, parsed and run (spec,
 *   options, values, the command context, feedback); imports only the
 *   lower layers;
 * - `follow/`: following a run to its end; imports the framework, shared
 *   rooms and the lower layers;
 * - `shared/<room>`: code two groups use, named for what it is; may also
 *   import the follow room and other shared rooms;
 * - every other folder is a command group, and owns its commands: it may
 *   import all of the above, never another group;
 * - no loose files: a module belongs to a room.
 *
 * No room reaches the CLI, nothing below `commands` reaches up, and the
 * rooms other than groups form no cycle.
 */

import assert from "node:assert/strict";

const SRC = new URL("../../src/", import.meta.url);
const LOWER = new Set(["api", "auth", "render", "config"]);

/** Every `.ts` module under `dir`, as a path relative to `src/` (tests excluded). */
function modules(dir: URL, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      out.push(...modules(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      out.push(`${prefix}${entry.name}`);
    }
  }
  return out.sort();
}

/** The relative specifiers a module's source imports (static, re-exported, dynamic). */
export function importsOf(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bfrom\s+"(\.{1,2}\/[^"]+)"/g,
    /\bimport\s+"(\.{1,2}\/[^"]+)"/g,
    /\bimport\s*\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of source.matchAll(pattern)) found.add(m[1]);
  }
  return [...found];
}

/** `to` resolved against the module `from` (both relative to `src/`), or undefined outside `src/`. */
function resolve(from: string, to: string): string | undefined {
  const url = new URL(to, new URL(from, SRC));
  return url.href.startsWith(SRC.href) ? url.href.slice(SRC.href.length) : undefined;
}

/** The room of a module (relative to `src/`): a layer, or a room inside `commands`. */
export function roomOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] !== "commands") return parts.length === 1 ? "main" : parts[0];
  if (parts.length === 2) return `loose:${parts[1]}`;
  if (parts[1] === "framework" || parts[1] === "follow") return parts[1];
  if (parts[1] === "shared") return `shared:${parts[2].replace(/\.ts$/, "")}`;
  return `group:${parts[1]}`;
}

/** Why an import from room `a` to room `b` breaks the layering, or undefined when it may. */
export function violation(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const inCommands = (r: string) =>
    r === "framework" || r === "follow" || r.startsWith("shared:") || r.startsWith("group:");
  if (a.startsWith("loose:")) return undefined; // said once per module, in survey()
  if (b.startsWith("loose:")) return "imports a loose module of commands/";
  if (a === "domain") return "domain imports nothing else of src/";
  if (LOWER.has(a)) return b === "domain" ? undefined : `${a} imports only domain`;
  if (a === "cli") return b === "main" ? "cli imports nothing above it" : undefined;
  if (!inCommands(a)) return undefined;
  if (b === "cli" || b === "main") return "commands never reach up to the CLI";
  if (b === "domain" || LOWER.has(b)) return undefined;
  if (a === "framework") return "the framework imports only the lower layers";
  if (b.startsWith("group:")) return "only the CLI imports a command group";
  if (b === "framework") return undefined;
  if (a === "follow") {
    return b.startsWith("shared:") ? undefined : "the follow room imports no group";
  }
  if (a.startsWith("shared:")) return undefined;
  // a group: the framework, the follow room, shared rooms.
  return undefined;
}

interface Edge {
  from: string;
  to: string;
  why: string;
}

/** The room-level edges of `src/`, and the imports that break the layering. */
function survey(): { edges: Map<string, Set<string>>; broken: Edge[]; files: string[] } {
  const files = modules(SRC);
  const edges = new Map<string, Set<string>>();
  const broken: Edge[] = [];
  for (const file of files) {
    const source = Deno.readTextFileSync(new URL(file, SRC));
    for (const spec of importsOf(source)) {
      const target = resolve(file, spec);
      if (!target) continue;
      const [a, b] = [roomOf(file), roomOf(target)];
      if (a !== b) {
        if (!edges.has(a)) edges.set(a, new Set());
        edges.get(a)!.add(b);
      }
      const why = violation(a, b);
      if (why) broken.push({ from: file, to: target, why });
    }
    if (roomOf(file).startsWith("loose:")) {
      broken.push({
        from: file,
        to: file,
        why: "a module in commands/ belongs to a room (a folder)",
      });
    }
  }
  return { edges, broken, files };
}

/** A cycle among the given rooms' edges, as a list of rooms, or undefined. */
function cycleAmong(edges: Map<string, Set<string>>, rooms: (r: string) => boolean) {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (r: string): string[] | undefined => {
    if (state.get(r) === "done") return undefined;
    if (state.get(r) === "open") return [...stack.slice(stack.indexOf(r)), r];
    state.set(r, "open");
    stack.push(r);
    for (const next of edges.get(r) ?? []) {
      if (!rooms(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(r, "done");
    return undefined;
  };
  for (const r of edges.keys()) {
    if (!rooms(r)) continue;
    const cycle = visit(r);
    if (cycle) return cycle;
  }
  return undefined;
}

Deno.test("src/ keeps its layering: no import against it, no exception", () => {
  const { broken, files } = survey();
  assert.ok(files.length > 80, `only ${files.length} modules under src/`);
  assert.ok(files.some((f) => f.startsWith("commands/framework/")), "no framework room");
  assert.deepEqual(
    broken.map((e) => `${e.from} → ${e.to}: ${e.why}`),
    [],
    "imports against the layering (docs/development.md, Layout)",
  );
});

Deno.test("the rooms of commands/ that are not groups form no cycle", () => {
  const { edges } = survey();
  const cycle = cycleAmong(edges, (r) => r === "follow" || r.startsWith("shared:"));
  assert.equal(cycle, undefined, `a cycle: ${cycle?.join(" → ")}`);
});

Deno.test("the layering check catches what it must", () => {
  // Each line: from, to, whether it may.
  const table: [string, string, boolean][] = [
    ["commands/procedure/start.ts", "commands/activity/find.ts", false],
    ["commands/activity/wait.ts", "commands/procedure/wait.ts", false],
    ["commands/shared/watch/rows.ts", "commands/activity/output.ts", false],
    ["commands/follow/event_printer.ts", "commands/procedure/output.ts", false],
    ["commands/procedure/start.ts", "commands/status.ts", false],
    ["commands/framework/spec.ts", "commands/follow/follow.ts", false],
    ["commands/framework/spec.ts", "commands/shared/output.ts", false],
    ["commands/follow/follow.ts", "commands/framework/feedback.ts", true],
    ["commands/follow/follow.ts", "cli/main.ts", false],
    ["commands/procedure/start.ts", "commands/procedure/output.ts", true],
    ["commands/procedure/start.ts", "commands/follow/follow.ts", true],
    ["commands/procedure/start.ts", "commands/shared/activity_lookup.ts", true],
    ["commands/shared/watch/rows.ts", "commands/shared/output.ts", true],
    ["commands/shared/watch/run.ts", "commands/follow/subscription.ts", true],
    ["commands/activity/run.ts", "api/client.ts", true],
    ["api/client.ts", "domain/types.ts", true],
    ["api/client.ts", "render/table.ts", false],
    ["render/table.ts", "commands/framework/feedback.ts", false],
    ["domain/types.ts", "api/client.ts", false],
    ["cli/main.ts", "commands/procedure/procedure.ts", true],
    ["cli/main.ts", "main.ts", false],
  ];
  for (const [from, to, may] of table) {
    const why = violation(roomOf(from), roomOf(to));
    assert.equal(why === undefined, may, `${from} → ${to}: ${why ?? "allowed"}`);
  }
  assert.deepEqual(
    importsOf(
      `import type { A } from "../a.ts";\nimport {\n  b,\n} from "./b.ts";\nexport { c } from "../c.ts";\nconst d = await import("./d.ts");\nimport "./e.ts";\nimport x from "node:fs";`,
    ),
    ["../a.ts", "./b.ts", "../c.ts", "./e.ts", "./d.ts"],
  );
  const cyclic = new Map([["shared:a", new Set(["follow"])], ["follow", new Set(["shared:a"])]]);
  assert.deepEqual(cycleAmong(cyclic, () => true), ["shared:a", "follow", "shared:a"]);
});
