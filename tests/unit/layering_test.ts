/**
 * The layering of `src/`, as docs/development.md ("Layout") writes it, held
 * on every import of every module (static, `export … from`, dynamic, and
 * type-only: a type import still ties two rooms together), however its
 * module is quoted ("…", '…', or a backtick template without `${…}`); a
 * dynamic import whose module cannot be read from the source (`${…}`, a
 * variable) is refused, since nothing could check it.
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

/**
 * A relative specifier as a literal: double- or single-quoted, or a
 * backtick template without `${…}` (`` import(`./a.ts`) `` is as static as
 * `import("./a.ts")`). The specifier is whichever group matched.
 */
const LITERAL = String
  .raw`(?:"(\.{1,2}\/[^"\n]+)"|'(\.{1,2}\/[^'\n]+)'|\`(\.{1,2}\/(?:[^\`\n$]|\$(?!\{))+)\`)`;

/** The specifier a match of a pattern built on LITERAL found. */
const specifier = (m: RegExpMatchArray) => m.slice(1).find((g) => g !== undefined)!;

/** The relative specifiers a module's source imports (static, re-exported, dynamic), in any quotes. */
export function importsOf(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    new RegExp(String.raw`\bfrom\s+${LITERAL}`, "g"),
    new RegExp(String.raw`\bimport\s+${LITERAL}`, "g"),
    new RegExp(String.raw`\bimport\s*\(\s*${LITERAL}\s*[,)]`, "g"),
  ];
  for (const pattern of patterns) {
    for (const m of source.matchAll(pattern)) found.add(specifier(m));
  }
  return [...found];
}

/**
 * The dynamic imports whose module cannot be read from the source (a
 * template with `${…}`, a variable, a string built with `+`): the layering
 * cannot check them, so they are not allowed. A comment's `import()` or
 * `import(…)` is prose, not an import.
 */
export function uncheckableImportsOf(source: string): string[] {
  const out: string[] = [];
  // Any string literal (a relative path, a package of the import map, `npm:`…).
  const literal = /^\s*(?:"[^"\n]*"|'[^'\n]*'|`(?:[^`\n$]|\$(?!\{))*`)\s*[,)]/;
  for (const m of source.matchAll(/\bimport\s*\(/g)) {
    const rest = source.slice(m.index! + m[0].length);
    if (literal.test(rest) || /^\s*[)…]/.test(rest)) continue;
    out.push(`${m[0]}${rest.slice(0, 40).split("\n")[0]}`);
  }
  return out;
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
    for (const call of uncheckableImportsOf(source)) {
      broken.push({
        from: file,
        to: call,
        why: "an import whose module is not statically checkable (write the path as a literal)",
      });
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
  // Every quoting a module can be named with: single quotes, and a backtick
  // template without interpolation (static as a string is).
  assert.deepEqual(
    importsOf(
      `import { a } from '../activity/a.ts';\nexport * from '../b.ts';\nimport './c.ts';\n` +
        "const d = await import('../activity/d.ts');\n" +
        "const e = await import(`../activity/script_args.ts`);\n" +
        'const f = await import(\n  "./f.ts",\n  { with: {} }\n);',
    ),
    [
      "../activity/a.ts",
      "../b.ts",
      "./c.ts",
      "../activity/d.ts",
      "../activity/script_args.ts",
      "./f.ts",
    ],
  );
  // Each form reaches the layering: a group importing another group's module is caught.
  const escape = "const m = await import(`../activity/script_args.ts`);";
  assert.equal(
    violation(
      roomOf("commands/procedure/start.ts"),
      roomOf(resolve("commands/procedure/start.ts", importsOf(escape)[0])!),
    ),
    "only the CLI imports a command group",
  );
  // What no reading can check is refused; literals, comments and packages are not.
  assert.deepEqual(
    uncheckableImportsOf(
      "const a = await import(`../${group}/list.ts`);\n" +
        "const b = await import(path);\n" +
        'const c = await import("./" + name);\n' +
        'const d = await import("./d.ts");\n' +
        "const e = await import(`./e.ts`);\n" +
        "// loaded through `import()`, or `await import(…)`\n" +
        'const f = await import("npm:ink@6.8.0");\n' +
        "const g = (await import('string-width')).default;",
    ),
    ["import(`../${group}/list.ts`);", "import(path);", 'import("./" + name);'],
  );
  const cyclic = new Map([["shared:a", new Set(["follow"])], ["follow", new Set(["shared:a"])]]);
  assert.deepEqual(cycleAmong(cyclic, () => true), ["shared:a", "follow", "shared:a"]);
});
