/**
 * Start-up at Deno's floor: no Node built-in (`node:*`) and no CommonJS
 * package is loaded on the path of any command. Importing one starts Deno's
 * Node compatibility layer (measured: `node:process` +29 ms, `node:util`
 * +7 ms, commander +50 ms, a CommonJS package +38 ms at every start).
 *
 * Both forms are checked: main.ts (the source, as `deno task oet` and the
 * tests run it) and its bundle (scripts/bundle.ts), which is what
 * `deno compile` builds from. Two checks each: the module graph (static and
 * literal dynamic imports: every chunk of the bundle), and what a real
 * process loads while running each command — Deno's debug log names every
 * module it evaluates, and the Node layer's modules are `ext:deno_node/…`.
 * The bundle keeps lazy loading: a library one command needs (an npm
 * package) is loaded by that command only.
 *
 * One named exemption: `oet console`'s screen (src/commands/console/app.ts,
 * which imports Ink, React and the Node built-ins they need) and what only it
 * reaches. console.ts loads it through a dynamic import, after checking for a
 * terminal; the graph checks leave out the module (the chunk, in the bundle)
 * that imports Ink, and check that it is that one module and nothing else.
 */

import assert from "node:assert/strict";
import { bundleOet, chunkGraph } from "../../scripts/bundle.ts";
import { buildTree } from "../../src/cli/root.ts";
import { PERMISSION_FLAGS, RUN_FLAGS } from "../../scripts/permissions.ts";
import { baseEnv, runCommand } from "../support/spawn.ts";
import { withSim } from "../support/sim.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;

/** npm packages `oet` may load: ES modules that import no Node built-in. */
/** Packages only tests and `deno task fuzz` import (README, "Dependencies"). */
const TEST_ONLY_NPM = new Set(["fast-check", "pure-rand"]);
const ALLOWED_NPM = new Set([
  "eventsource-parser",
  "string-width",
  "strip-ansi",
  "ansi-regex",
  "get-east-asian-width",
  "smol-toml",
]);

/** The bundle the build compiles, made once for this file's tests, in dist/ (deno.json applies). */
let bundle: Promise<{ main: string; dir: string }> | undefined;
function bundled(): Promise<{ main: string; dir: string }> {
  return bundle ??= (async () => {
    await Deno.mkdir(`${ROOT}dist`, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: `${ROOT}dist`, prefix: ".startup-test-" });
    return { main: await bundleOet(`${dir}/bundle`), dir };
  })();
}

/** The form a test runs: its entry, and the `deno run` flags it runs with. */
interface Form {
  name: string;
  entry: () => Promise<string>;
  flags: readonly string[];
}

const SOURCE: Form = {
  name: "main.ts",
  entry: () => Promise.resolve(MAIN),
  flags: PERMISSION_FLAGS,
};
const BUNDLE: Form = {
  name: "the bundle",
  entry: async () => (await bundled()).main,
  flags: [...PERMISSION_FLAGS, ...RUN_FLAGS],
};

/** An entry's module graph, from `deno info --json`. */
interface Graph {
  modules: {
    specifier: string;
    kind?: string;
    npmPackage?: string;
    dependencies?: { specifier: string; code?: { specifier: string } }[];
  }[];
  redirects: Record<string, string>;
  npmPackages?: Record<string, { name: string; localPath: string; dependencies?: string[] }>;
}

/** The modules of an entry's graph and its npm packages, from `deno info --json`. */
async function graphOf(entry: string): Promise<Graph> {
  const r = await runCommand(Deno.execPath(), ["info", "--json", entry], { cwd: ROOT });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Graph;
}

/** The console's screen: the one module of a graph that imports Ink. */
function importsInk(info: Graph, m: Graph["modules"][number]): boolean {
  return (m.dependencies ?? []).some((d) => {
    const to = d.code?.specifier ?? "";
    return /^npm:\/?ink@/.test(info.redirects[to] ?? to);
  });
}

/**
 * What a graph reaches from its entry without entering the console's screen:
 * its modules, the node:* ones among them, its npm packages (with theirs),
 * and the screen modules it stopped at.
 */
function reachable(info: Graph, entry: string, exempt = true) {
  const byId = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const screens: string[] = [];
  const node: string[] = [];
  const npmIds: string[] = [];
  const todo = [`file://${entry}`];
  while (todo.length) {
    const spec = todo.pop()!;
    const resolved = info.redirects[spec] ?? spec;
    if (seen.has(resolved)) continue;
    seen.add(resolved);
    if (resolved.startsWith("node:")) node.push(resolved);
    const m = byId.get(resolved);
    if (!m) continue;
    if (exempt && importsInk(info, m)) {
      screens.push(resolved);
      continue;
    }
    if (m.kind === "npm" && m.npmPackage) npmIds.push(m.npmPackage);
    // Type-only imports have no `code`: they are not loaded at run time.
    for (const d of m.dependencies ?? []) if (d.code) todo.push(d.code.specifier);
  }
  const npm = new Map<string, { name: string; localPath: string }>();
  while (npmIds.length) {
    const id = npmIds.pop()!;
    const p = info.npmPackages?.[id];
    if (!p || npm.has(id)) continue;
    npm.set(id, p);
    npmIds.push(...(p.dependencies ?? []));
  }
  return { modules: [...seen], node, npm: [...npm.values()], screens };
}

Deno.test("module graph of main.ts: no node:* module, only the allowed ES-module npm packages (the console's screen exempt)", async () => {
  const info = await graphOf(MAIN);
  const { node, npm: packages, screens } = reachable(info, MAIN);
  assert.deepEqual(node, []);
  assert.deepEqual(screens, [`file://${ROOT}src/commands/console/app.ts`]);
  assert.ok(packages.length > 0, "the graph lists its npm packages");
  // `deno info` lists every package deno.json names; the test-only ones must not be reached.
  const reached = info.modules.map((m) => m.specifier);
  for (const name of TEST_ONLY_NPM) {
    assert.ok(
      !reached.some((s) => s.startsWith(`npm:/${name}@`)),
      `${name} is reached from main.ts`,
    );
  }
  for (const p of packages.filter((p) => !TEST_ONLY_NPM.has(p.name))) {
    assert.ok(ALLOWED_NPM.has(p.name), `npm package ${p.name}`);
    // A package that is CommonJS would need the Node layer to load.
    const pkg = JSON.parse(await Deno.readTextFile(`${p.localPath}/package.json`));
    assert.equal(pkg.type, "module", `${p.name} is an ES module package`);
  }
});

Deno.test("module graph of the bundle: every chunk, no node:* module, the same npm packages, none of them inlined", async () => {
  const { main, dir } = await bundled();
  const info = await graphOf(main);
  const chunks = info.modules.filter((m) => m.specifier.startsWith(`file://${dir}/`));
  const files = [...Deno.readDirSync(`${dir}/bundle`)].filter((f) => f.name.endsWith(".js"));
  assert.equal(chunks.length, files.length, "the graph reaches every chunk of the bundle");
  assert.ok(chunks.length > 10, `the bundle is code-split (${chunks.length} chunks)`);
  const bundleGraph = reachable(info, main);
  assert.deepEqual(bundleGraph.node, []);
  // The console's screen is one chunk of its own, as in the source.
  assert.equal(bundleGraph.screens.length, 1, bundleGraph.screens.join());
  const packages = new Set(bundleGraph.npm.map((p) => p.name));
  const fromSource = new Set(reachable(await graphOf(MAIN), MAIN).npm.map((p) => p.name));
  assert.deepEqual([...packages].sort(), [...fromSource].sort());
  // An npm package's code stays in the package: esbuild names the file it inlines.
  for (const f of files) {
    const text = await Deno.readTextFile(`${dir}/bundle/${f.name}`);
    assert.ok(
      !text.includes("/node_modules/") && !text.includes("/npm/"),
      `${f.name} inlines npm code`,
    );
  }
});

Deno.test("start-up reads two modules of the bundle: main.js imports core.js alone, and help or --version adds only its own chunk", async () => {
  const { main, dir } = await bundled();
  const graph = await chunkGraph(`${dir}/bundle`);
  assert.deepEqual(graph.get("main.js")!.static, ["core.js"]);
  assert.deepEqual(graph.get("core.js")!.static, [], "core.js imports no chunk at start-up");
  // The lazy chunks still import what they share from it: the fold kept them lazy.
  assert.ok(
    [...graph.values()].filter((c) => c.static.includes("core.js")).length > 10,
    "the lazy chunks import core.js",
  );
  const own = (modules: string[]) =>
    modules.filter((m) => m.startsWith(`file://${dir}/`)).map((m) =>
      m.slice(m.lastIndexOf("/") + 1)
    );
  for (
    const [args, chunk] of [[["--help"], /^help-\w+\.js$/], [
      ["--version"],
      /^version-\w+\.js$/,
    ]] as const
  ) {
    const loaded = own(await loadedModules([...args], {}, BUNDLE));
    assert.equal(loaded.length, 3, `oet ${args.join(" ")}: ${loaded.join(", ")}`);
    // The log's order is Deno's, not the import order: compare as sets.
    assert.deepEqual(loaded.filter((m) => !chunk.test(m)).sort(), ["core.js", "main.js"]);
    assert.equal(loaded.filter((m) => chunk.test(m)).length, 1, loaded.join(", "));
  }
  assert.ok(main.endsWith("/main.js"));
});

/** The modules a real run evaluates, from Deno's debug log. */
async function loadedModules(
  args: string[],
  env: Record<string, string>,
  form: Form = SOURCE,
): Promise<string[]> {
  const entry = await form.entry();
  const r = await runCommand(
    Deno.execPath(),
    ["run", "--log-level=debug", ...form.flags, entry, ...args],
    { env: baseEnv(env), clearEnv: true, cwd: ROOT },
  );
  const modules = [...r.stderr.matchAll(/ES module: (\S+?),? /g)].map((m) => m[1]);
  const base = entry.slice(entry.lastIndexOf("/"));
  assert.ok(modules.some((m) => m.endsWith(base)), `the log names modules:\n${r.stderr}`);
  return modules;
}

const npm = (modules: string[]) => modules.filter((m) => m.includes("/npm/"));

for (const form of [SOURCE, BUNDLE]) {
  Deno.test(`no command loads Deno's Node compatibility layer (${form.name})`, async () => {
    await withSim("v7", async (sim) => {
      const env = { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" };
      const runs: string[][] = [
        ["--help"],
        ["--version"],
        ["procedure", "create", "--help"],
        ["procedure", "create", "file:///scripts/hello_world.py"],
        ["procedure", "list"],
        ["procedure", "start", "--pid", "1"],
        ["procedure", "describe", "-o", "json"],
        ["activity", "run", "allocate", "sbd-t0001-20250403-00001"],
        ["activity", "list"],
        ["completion", "bash"],
        ["doctor"],
        ["auth", "status"],
        // Without a terminal the console says so before its screen is loaded.
        ["console"],
      ];
      for (const args of runs) {
        const modules = await loadedModules(args, env, form);
        const node = modules.filter((m) => m.startsWith("ext:deno_node/") || m.startsWith("node:"));
        assert.deepEqual(node, [], `oet ${args.join(" ")} loaded the Node layer`);
      }
    });
  });

  Deno.test(`an npm package loads only for the command that uses it (${form.name})`, async () => {
    await withSim("v7", async (sim) => {
      const env = { OET_REST_URI: sim.baseUrl, NO_COLOR: "1" };
      for (const args of [["--help"], ["procedure", "list"], ["activity", "list"]]) {
        assert.deepEqual(npm(await loadedModules(args, env, form)), [], `oet ${args.join(" ")}`);
      }
      // Following a run reads the event stream: eventsource-parser loads there.
      await loadedModules(["procedure", "create", "file:///scripts/hello_world.py"], env, form);
      const start = npm(await loadedModules(["procedure", "start"], env, form));
      assert.ok(start.some((m) => m.includes("/eventsource-parser/")), start.join("\n"));
    });
  });
}

Deno.test("without a token configured, no auth module is loaded (servers without AAA start as before)", async () => {
  await withSim("v7", async (sim) => {
    const auth = (modules: string[]) => modules.filter((m) => m.includes("/src/auth/"));
    const plain = await loadedModules(["procedure", "list"], { OET_REST_URI: sim.baseUrl });
    assert.deepEqual(auth(plain), [], "procedure list without a token loaded auth modules");
    // The same command with a token does load them: the check above can fail.
    const withToken = await loadedModules(["procedure", "list"], {
      OET_REST_URI: sim.baseUrl,
      OET_TOKEN: "not-a-jwt-but-a-token",
    });
    assert.ok(auth(withToken).length > 0, "with OET_TOKEN the token source is loaded");
  });
});

Deno.test("the exemption is exactly the console's screen: it brings Ink and Node, and only console.ts imports it", async () => {
  const info = await graphOf(MAIN);
  // Without the exemption the checks above would fail: it is real, and named.
  const all = reachable(info, MAIN, false);
  assert.ok(all.node.length > 0, "the console's screen brings in node:* modules");
  assert.ok(all.npm.some((p) => p.name === "ink"), "the console's screen brings in Ink");
  const screen = `file://${ROOT}src/commands/console/app.ts`;
  const importers = info.modules.filter((m) =>
    (m.dependencies ?? []).some((d) => d.code?.specifier === screen)
  ).map((m) => m.specifier.slice(`file://${ROOT}`.length));
  assert.deepEqual(importers, ["src/commands/console/console.ts"]);
});

Deno.test("a group's help loads none of its commands' modules (the summaries are in its entries)", async () => {
  const groups = buildTree().root.commands.filter((c) => c.kind === "group").map((c) => c.name);
  assert.ok(groups.includes("procedure"), groups.join(" "));
  const isGroupFile = (m: string) => groups.some((g) => m.endsWith(`/src/commands/${g}/${g}.ts`));
  const commands = (modules: string[]) =>
    modules.filter((m) =>
      m.includes("/src/commands/") && !m.includes("/src/commands/framework/") && !isGroupFile(m)
    );
  for (const group of groups) {
    assert.deepEqual(
      commands(await loadedModules([group, "--help"], {})),
      [],
      `oet ${group} --help`,
    );
  }
  assert.deepEqual(commands(await loadedModules(["--help"], {})), [], "oet --help");
  // A command's own help does load its module: the check above can fail.
  const list = await loadedModules(["procedure", "list", "--help"], {});
  assert.ok(commands(list).some((m) => m.endsWith("/procedure/list.ts")), list.join("\n"));
});

for (const form of [SOURCE, BUNDLE]) {
  Deno.test(`the TOML parser loads only when a configuration file exists, and only for commands that read it (${form.name})`, async () => {
    await withSim("v7", async (sim) => {
      const dir = await Deno.makeTempDir({ prefix: "oet-startup-" });
      try {
        const toml = (modules: string[]) => modules.filter((m) => m.includes("smol-toml"));
        const config = `${dir}/config.toml`;
        const noFile = { OET_CONFIG: config, OET_REST_URI: sim.baseUrl };
        assert.deepEqual(
          toml(await loadedModules(["procedure", "list"], noFile, form)),
          [],
          "no file",
        );
        await Deno.writeTextFile(config, `[contexts.sim]\nserver_url = "${sim.baseUrl}"\n`);
        // With a file, a command that resolves its server reads it: the check above can fail.
        const withFile = await loadedModules(["procedure", "list"], { OET_CONFIG: config }, form);
        assert.ok(toml(withFile).length > 0, "procedure list with a file loads the parser");
        for (const args of [["--version"], ["--help"], ["completion", "bash"], ["version"]]) {
          const modules = await loadedModules(args, { OET_CONFIG: config }, form);
          assert.deepEqual(toml(modules), [], `oet ${args.join(" ")} loaded the TOML parser`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  });
}

// Last in the file: the bundle made for the tests above is removed.
Deno.test("(clean-up) the test bundle is removed", async () => {
  if (!bundle) return;
  await Deno.remove((await bundle).dir, { recursive: true });
  bundle = undefined;
});
