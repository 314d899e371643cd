/**
 * The form of oet that `deno compile` builds from (scripts/build.ts), that
 * the benchmark times and that the start-up module test checks: oet's own
 * modules bundled by `deno bundle` (esbuild) into code-split ES modules.
 *
 * - Code-split: every `await import("./x.ts")` of the source stays a dynamic
 *   import of its own chunk, so a command's code, help's and completion's
 *   load only where they always did (group help still loads no command).
 * - npm packages stay packages (`--external` for every `npm:` import of
 *   deno.json): the bundle imports them by name and Deno loads them as
 *   before, only where a chunk imports them (string-width for a wide cell,
 *   eventsource-parser for the event stream, and any library only one
 *   command needs).
 * - Node built-ins are never bundled (`--platform deno`): an import of one
 *   stays an import, for the start-up module test to see.
 *
 * - Start-up is two modules: esbuild splits what main.ts imports statically
 *   into about 15 small chunks (one per set of importers), which every
 *   command loaded one by one before running anything. `foldStartup` joins
 *   them into `core.js` (a second `deno bundle`, which renames and orders as
 *   esbuild does), and main.js becomes an entry of three lines that imports
 *   it: the chunks that stay lazy import what they share from `core.js`.
 * - The shared chunks a command loads are few: esbuild makes one chunk per
 *   set of importers, so `procedure list` loaded its module and 9 chunks of
 *   0.5 to 5.8 KB. `joinSharedChunks` joins the chunks that are cheaper as
 *   one module (scripts/bundle/join_plan.ts weighs the modules saved against
 *   the bytes loaded for nothing); `procedure list` now loads 4.
 * - Functions are compiled with their module: V8 compiles a function the
 *   first time it is called, and Deno's code cache keeps only what was
 *   compiled with the module, so every start compiled them again.
 *   `compileAllEagerly` writes each top-level function as a parenthesised
 *   function expression, which V8 compiles with the module: the cache then
 *   holds them (in `procedure list`'s process, core.js's about 1.3 ms less
 *   and its command's chunks 0.4 ms; docs/benchmarks.md). A declaration is
 *   hoisted and a variable is not, so the build evaluates every rewritten
 *   module: an order mistake (a function used before its line) fails there.
 *
 * Why: `deno run` of the source loads about 35 TypeScript modules for
 * `procedure list` and, before running anything, reads all 96 that a
 * literal dynamic import can reach; the bundle loads main.js, core.js and
 * the command's chunks (docs/benchmarks.md). Run it with `RUN_FLAGS`
 * (scripts/permissions.ts) so that `deno run` reads a chunk only when it is
 * imported, as the binary does.
 *
 * ```sh
 * deno run -A scripts/bundle.ts --out-dir dist/bundle   # dist/bundle/main.js and its chunks
 * ```
 */

import { parse } from "acorn";
import denoJson from "../deno.json" with { type: "json" };
import { findCycle, planJoins } from "./bundle/join_plan.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The import-map names of deno.json's npm packages: external to the bundle. */
export function npmExternals(imports: Record<string, string> = denoJson.imports): string[] {
  return Object.entries(imports).filter(([, target]) => target.startsWith("npm:"))
    .map(([name]) => name).sort();
}

/** The `deno bundle` arguments, into `outDir`. */
export function bundleArgs(outDir: string): string[] {
  return [
    "bundle",
    "--quiet",
    "--code-splitting",
    "--format",
    "esm",
    "--platform",
    "deno",
    ...npmExternals().flatMap((name) => ["--external", name]),
    "--outdir",
    outDir,
    `${ROOT}main.ts`,
  ];
}

/** The last line of main.ts, as esbuild writes it: the start of oet when run directly. */
const START = "if (import.meta.main) await main();\n";

/** A module of the bundle: its file name, and the bundle's files it imports. */
interface Chunk {
  static: string[];
  dynamic: string[];
}

/** What `deno info --json` says of one module. */
interface InfoModule {
  specifier: string;
  error?: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** Runs `deno` with `args` in `cwd`; its stdout, or an error naming `what`. */
async function deno(args: string[], cwd: string, what: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${what} failed: ${text.split("\n").slice(-5).join("\n")}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * The bundle's module graph, read by Deno itself (`deno info`), by file
 * name: a module that does not resolve is an error here, not at run time.
 */
export async function chunkGraph(dir: string): Promise<Map<string, Chunk>> {
  const info = JSON.parse(await deno(["info", "--json", `${dir}/main.js`], ROOT, "deno info"));
  const prefix = `file://${dir}/`;
  const graph = new Map<string, Chunk>();
  for (const m of info.modules as InfoModule[]) {
    if (!m.specifier.startsWith(prefix)) continue;
    const name = m.specifier.slice(prefix.length);
    if (m.error) throw new Error(`the bundle's ${name}: ${m.error}`);
    const chunk: Chunk = { static: [], dynamic: [] };
    for (const d of m.dependencies ?? []) {
      const to = d.code?.specifier;
      if (to?.startsWith(prefix)) {
        (d.isDynamic ? chunk.dynamic : chunk.static).push(to.slice(prefix.length));
      }
    }
    graph.set(name, chunk);
  }
  return graph;
}

/** The names a chunk exports, from esbuild's closing `export { a, b as c };`. */
function exportNames(text: string): string[] {
  const block = text.match(/^export \{([^}]*)\};\s*$/m)?.[1] ?? "";
  return block.split(",").map((s) => s.trim().split(/\s+as\s+/).at(-1)!).filter((s) => s);
}

/** What acorn says of a top-level statement (the fields used here). */
interface TopLevel {
  type: string;
  start: number;
  end: number;
  generator?: boolean;
  id?: { name: string } | null;
}

/**
 * `source` with every top-level function declaration written as
 * `var name = (function name(…) {…});`: V8 compiles a function expression
 * in parentheses when it compiles the script, not on its first call (see
 * the module comment). Generators are left as they are. A declaration is
 * hoisted and the variable is not: the caller checks that the module still
 * evaluates (`foldStartup` imports it).
 */
export function compileEagerly(source: string): string {
  const program = parse(source, { ecmaVersion: "latest", sourceType: "module" }) as unknown as {
    body: TopLevel[];
  };
  let out = "";
  let at = 0;
  for (const node of program.body) {
    if (node.type !== "FunctionDeclaration" || node.generator || !node.id) continue;
    out += `${source.slice(at, node.start)}var ${node.id.name} = (${
      source.slice(node.start, node.end)
    });`;
    at = node.end;
  }
  return out + source.slice(at);
}

/** What each module of the bundle imports statically, by name. */
function staticImports(graph: Map<string, Chunk>): Map<string, string[]> {
  return new Map([...graph].map(([name, chunk]) => [name, chunk.static]));
}

/** Every chunk `from` imports statically, directly or through another. */
function staticallyImported(graph: Map<string, Chunk>, from: string): Set<string> {
  const found = new Set<string>();
  const todo = [...graph.get(from)!.static];
  while (todo.length) {
    const name = todo.pop()!;
    if (found.has(name)) continue;
    found.add(name);
    todo.push(...graph.get(name)!.static);
  }
  return found;
}

/**
 * Throws when two of `chunks` export one name: `export *` of both would
 * drop it silently. esbuild names across chunks, so it cannot happen; this
 * says so if it ever does.
 */
async function checkExportsUnique(dir: string, chunks: Set<string>): Promise<void> {
  const exported = new Map<string, string>();
  for (const name of chunks) {
    for (const e of exportNames(await Deno.readTextFile(`${dir}/${name}`))) {
      const other = exported.get(e);
      if (other) throw new Error(`${name} and ${other} both export ${e}`);
      exported.set(e, name);
    }
  }
}

/**
 * Joins `members` of `dir` into one module, `output` (a second `deno
 * bundle`, which renames and orders as esbuild does); every other module
 * stays as it is, and those that imported a member import `output` instead.
 * The members are removed (`output` may be one of them).
 */
async function joinModules(dir: string, members: readonly string[], output: string): Promise<void> {
  const others = [...Deno.readDirSync(dir)].map((f) => f.name)
    .filter((n) => n.endsWith(".js") && !n.startsWith(".") && !members.includes(n));
  await Deno.writeTextFile(
    `${dir}/.join_entry.js`,
    members.map((f) => `export * from "./${f}";\n`).join(""),
  );
  try {
    await deno(
      [
        "bundle",
        "--quiet",
        "--format",
        "esm",
        "--platform",
        "deno",
        ...[...others.map((n) => `./${n}`), ...npmExternals()].flatMap((n) => ["--external", n]),
        "--output",
        ".joined.js",
        ".join_entry.js",
      ],
      dir,
      `deno bundle (joining ${members.join(", ")} into ${output})`,
    );
  } finally {
    await Deno.remove(`${dir}/.join_entry.js`);
  }
  for (const member of members) await Deno.remove(`${dir}/${member}`);
  await Deno.rename(`${dir}/.joined.js`, `${dir}/${output}`);
  for (const other of others) {
    const text = await Deno.readTextFile(`${dir}/${other}`);
    let rewritten = text;
    for (const member of members) {
      rewritten = rewritten.replaceAll(`"./${member}"`, `"./${output}"`);
    }
    if (rewritten !== text) await Deno.writeTextFile(`${dir}/${other}`, rewritten);
  }
}

/**
 * Joins main.js and every chunk it imports statically into `core.js`
 * (module comment, "Start-up is two modules"), in `dir`, a bundle that
 * `deno bundle --code-splitting` just wrote. Every other chunk stays as it
 * was, importing from `core.js` what it imported from a joined chunk.
 */
export async function foldStartup(dir: string): Promise<void> {
  const graph = await chunkGraph(dir);
  const joined = staticallyImported(graph, "main.js");
  await checkExportsUnique(dir, joined);
  const main = await Deno.readTextFile(`${dir}/main.js`);
  if (!main.endsWith(`${START}export {\n  main\n};\n`)) {
    throw new Error(
      "the bundle's main.js does not end as main.ts does (`if (import.meta.main) await main();`)",
    );
  }
  // The core must not start oet, and must not wait at the top level: the
  // lazy chunks import it while main() is still running.
  await Deno.writeTextFile(`${dir}/.main_body.js`, main.replace(START, ""));
  await joinModules(dir, [".main_body.js", ...joined], "core.js");
  await Deno.writeTextFile(
    `${dir}/main.js`,
    `import { main } from "./core.js";\n${START}export { main };\n`,
  );
  // Deno reads the result back: every import resolves, and main.js imports core.js alone.
  const after = await chunkGraph(dir);
  const entry = after.get("main.js")!.static;
  if (entry.length !== 1 || entry[0] !== "core.js" || after.get("core.js")!.static.length) {
    throw new Error(`start-up is not main.js and core.js: main.js imports ${entry.join(", ")}`);
  }
}

/** The packages a module imports statically (`import … from "pkg"`, not `import("pkg")`). */
function packageImports(text: string): string[] {
  const program = parse(text, { ecmaVersion: "latest", sourceType: "module" }) as unknown as {
    body: { type: string; source?: { value: string } | null }[];
  };
  return program.body
    .filter((n) => /^(Import|ExportNamed|ExportAll)Declaration$/.test(n.type) && n.source)
    .map((n) => n.source!.value)
    .filter((v) => !v.startsWith("./"));
}

/**
 * Joins the shared chunks that `planJoins` (scripts/bundle/join_plan.ts)
 * says are cheaper as one module, in `dir`, after `foldStartup`: each group
 * becomes one module under its first chunk's name (a second `deno bundle`,
 * as the fold), and every module that imported one of them imports it from
 * there. Entries (what a dynamic import loads), core.js and the chunks that
 * import a package stay as they are.
 */
export async function joinSharedChunks(dir: string): Promise<void> {
  const graph = await chunkGraph(dir);
  const entries = new Set([...graph.values()].flatMap((c) => c.dynamic));
  const sizes = new Map<string, number>();
  for (const name of graph.keys()) {
    if (name === "main.js" || name === "core.js" || entries.has(name)) continue;
    const text = await Deno.readTextFile(`${dir}/${name}`);
    if (packageImports(text).length === 0) sizes.set(name, new TextEncoder().encode(text).length);
  }
  const loads = new Map<string, Set<string>>();
  for (const entry of entries) {
    const chunks = staticallyImported(graph, entry);
    chunks.delete("core.js");
    loads.set(entry, chunks);
  }
  for (const group of planJoins({ loads, sizes, imports: staticImports(graph) })) {
    await checkExportsUnique(dir, new Set(group));
    await joinModules(dir, group, group[0]);
  }
}

/**
 * Rewrites every module of `dir` that imports no package with
 * `compileEagerly`, then evaluates each once, without permissions: a
 * function used before its line (no longer hoisted) fails here, not in a
 * user's hands. The modules must not import each other in a cycle (then
 * their order is the same whichever is imported first, here or in oet).
 * Modules that import a package (the console's Ink, the event stream's
 * parser) are left as they are: evaluating them would run the package.
 */
export async function compileAllEagerly(dir: string): Promise<void> {
  const graph = await chunkGraph(dir);
  const cycle = findCycle(staticImports(graph));
  if (cycle) throw new Error(`the bundle's modules import each other: ${cycle.join(" -> ")}`);
  const compiled: string[] = [];
  for (const name of graph.keys()) {
    const text = await Deno.readTextFile(`${dir}/${name}`);
    if (packageImports(text).length > 0) continue;
    const eager = compileEagerly(text);
    if (eager !== text) {
      await Deno.writeTextFile(`${dir}/${name}`, eager);
      compiled.push(name);
    }
  }
  await Deno.writeTextFile(
    `${dir}/.evaluate.js`,
    compiled.filter((n) => n !== "main.js").map((n) => `import "./${n}";\n`).join(""),
  );
  try {
    await deno(
      ["run", "--quiet", "--no-prompt", `${dir}/.evaluate.js`],
      ROOT,
      `evaluating ${compiled.join(", ")}`,
    );
  } finally {
    await Deno.remove(`${dir}/.evaluate.js`);
  }
}

/**
 * Bundles main.ts into `outDir` (inside the project, so that deno.json's
 * import map resolves the external packages); resolves to its `main.js`.
 * The entry keeps main.ts's `import.meta.main` start: run directly it is
 * oet; imported (the release entry of scripts/build.ts) it only exports
 * `main`.
 */
export async function bundleOet(outDir: string): Promise<string> {
  // `deno bundle` runs in ROOT: a relative folder is ROOT's.
  const dir = (outDir.startsWith("/") ? outDir : `${ROOT}${outDir}`).replace(/\/+$/, "");
  await deno(bundleArgs(dir), ROOT, "deno bundle");
  await foldStartup(dir);
  await joinSharedChunks(dir);
  await compileAllEagerly(dir);
  return `${dir}/main.js`;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out-dir");
  const outDir = i >= 0 ? Deno.args[i + 1] : `${ROOT}dist/bundle`;
  if (!outDir) throw new Error("usage: deno run -A scripts/bundle.ts [--out-dir DIR]");
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  Deno.stdout.writeSync(new TextEncoder().encode(`${await bundleOet(outDir)}\n`));
}
