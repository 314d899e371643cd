/**
 * Start-up at Deno's floor: no Node built-in (`node:*`) and no CommonJS
 * package is loaded on the path of any command. Importing one starts Deno's
 * Node compatibility layer (measured: `node:process` +29 ms, `node:util`
 * +7 ms, commander +50 ms, a CommonJS package +38 ms at every start).
 *
 * Two checks: the module graph of main.ts (static and literal dynamic
 * imports), and what a real process loads while running each command —
 * Deno's debug log names every module it evaluates, and the Node layer's
 * modules are `ext:deno_node/…`.
 */

import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../scripts/permissions.ts";
import { baseEnv } from "../support/spawn.ts";
import { runCommand, withSim } from "./e2e_support.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;

/** npm packages `oet` may load: ES modules that import no Node built-in. */
const ALLOWED_NPM = new Set([
  "eventsource-parser",
  "string-width",
  "strip-ansi",
  "ansi-regex",
  "get-east-asian-width",
]);

/**
 * The one named exemption: `oet console`'s screen (Ink, React, and the
 * Node layer they need) is loaded only by `oet console`, through the dynamic
 * import of this module. Everything reachable only through it is left out of
 * the checks below, and nothing else may import it.
 */
const CONSOLE_SCREEN = `file://${ROOT}src/commands/console/app.ts`;

interface GraphModule {
  specifier: string;
  kind?: string;
  npmPackage?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}
interface Graph {
  modules: GraphModule[];
  redirects: Record<string, string>;
  npmPackages?: Record<string, { name: string; localPath: string; dependencies?: string[] }>;
}

/** The node:* modules and npm packages reachable from main.ts without going through `skip`. */
function reachable(info: Graph, skip: string): { node: string[]; npm: Set<string> } {
  const byId = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const node: string[] = [];
  const npmIds: string[] = [];
  const todo = [`file://${MAIN}`];
  while (todo.length) {
    const spec = todo.pop()!;
    const resolved = info.redirects[spec] ?? spec;
    if (seen.has(resolved) || resolved === skip) continue;
    seen.add(resolved);
    if (resolved.startsWith("node:")) {
      node.push(resolved);
      continue;
    }
    const m = byId.get(resolved);
    if (m?.kind === "npm" && m.npmPackage) npmIds.push(m.npmPackage);
    for (const d of m?.dependencies ?? []) {
      // Type-only imports (`import type`) are not loaded at run time.
      if (d.code) todo.push(d.code.specifier);
    }
  }
  const npm = new Set<string>();
  while (npmIds.length) {
    const id = npmIds.pop()!;
    const p = info.npmPackages?.[id];
    if (!p || npm.has(id)) continue;
    npm.add(id);
    npmIds.push(...(p.dependencies ?? []));
  }
  return { node, npm };
}

async function graphOfMain(): Promise<Graph> {
  const r = await runCommand(Deno.execPath(), ["info", "--json", MAIN], { cwd: ROOT });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Graph;
}

Deno.test("module graph of main.ts: no node:* module, only the allowed ES-module npm packages (the console's screen exempt)", async () => {
  const info = await graphOfMain();
  const { node, npm } = reachable(info, CONSOLE_SCREEN);
  assert.deepEqual(node, []);
  assert.ok(npm.size > 0, "the graph lists its npm packages");
  for (const id of npm) {
    const p = info.npmPackages![id];
    assert.ok(ALLOWED_NPM.has(p.name), `npm package ${p.name}`);
    // A package that is CommonJS would need the Node layer to load.
    const pkg = JSON.parse(await Deno.readTextFile(`${p.localPath}/package.json`));
    assert.equal(pkg.type, "module", `${p.name} is an ES module package`);
  }
});

Deno.test("the exemption is exactly the console's screen: it loads Ink and Node, and only console.ts imports it", async () => {
  const info = await graphOfMain();
  // Without the exemption the check above would fail: the exemption is real and named.
  const all = reachable(info, "");
  assert.ok(all.node.length > 0, "the console's screen brings in node:* modules");
  assert.ok([...all.npm].some((id) => id.startsWith("ink@")), "the console's screen brings in Ink");
  const importers = info.modules.filter((m) =>
    (m.dependencies ?? []).some((d) =>
      (info.redirects[d.code?.specifier ?? ""] ?? d.code?.specifier) === CONSOLE_SCREEN
    )
  ).map((m) => m.specifier.slice(`file://${ROOT}`.length));
  assert.deepEqual(importers, ["src/commands/console/console.ts"]);
});

/** The modules a real run evaluates, from Deno's debug log. */
async function loadedModules(args: string[], env: Record<string, string>): Promise<string[]> {
  const r = await runCommand(
    Deno.execPath(),
    ["run", "--log-level=debug", ...PERMISSION_FLAGS, MAIN, ...args],
    { env: baseEnv(env), clearEnv: true, cwd: ROOT },
  );
  const modules = [...r.stderr.matchAll(/ES module: (\S+?),? /g)].map((m) => m[1]);
  assert.ok(modules.some((m) => m.endsWith("/main.ts")), `the log names modules:\n${r.stderr}`);
  return modules;
}

Deno.test("no command loads Deno's Node compatibility layer", async () => {
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
      const modules = await loadedModules(args, env);
      const node = modules.filter((m) => m.startsWith("ext:deno_node/") || m.startsWith("node:"));
      assert.deepEqual(node, [], `oet ${args.join(" ")} loaded the Node layer`);
    }
  });
});

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
