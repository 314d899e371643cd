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
  "smol-toml",
]);

Deno.test("module graph of main.ts: no node:* module, only the allowed ES-module npm packages", async () => {
  const r = await runCommand(Deno.execPath(), ["info", "--json", MAIN], { cwd: ROOT });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    modules: { specifier: string; kind?: string }[];
    npmPackages?: Record<string, { name: string; localPath: string }>;
  };
  const nodeModules = info.modules.filter((m) => m.specifier.startsWith("node:"));
  assert.deepEqual(nodeModules.map((m) => m.specifier), []);
  const packages = Object.values(info.npmPackages ?? {});
  assert.ok(packages.length > 0, "the graph lists its npm packages");
  for (const p of packages) {
    assert.ok(ALLOWED_NPM.has(p.name), `npm package ${p.name}`);
    // A package that is CommonJS would need the Node layer to load.
    const pkg = JSON.parse(await Deno.readTextFile(`${p.localPath}/package.json`));
    assert.equal(pkg.type, "module", `${p.name} is an ES module package`);
  }
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

Deno.test("the TOML parser loads only when a configuration file exists, and only for commands that read it", async () => {
  await withSim("v7", async (sim) => {
    const dir = await Deno.makeTempDir({ prefix: "oet-startup-" });
    try {
      const toml = (modules: string[]) => modules.filter((m) => m.includes("smol-toml"));
      const config = `${dir}/config.toml`;
      const noFile = { OET_CONFIG: config, OET_REST_URI: sim.baseUrl };
      assert.deepEqual(toml(await loadedModules(["procedure", "list"], noFile)), [], "no file");
      await Deno.writeTextFile(config, `[contexts.sim]\nserver_url = "${sim.baseUrl}"\n`);
      // With a file, a command that resolves its server reads it: the check above can fail.
      const withFile = await loadedModules(["procedure", "list"], { OET_CONFIG: config });
      assert.ok(toml(withFile).length > 0, "procedure list with a file loads the parser");
      for (const args of [["--version"], ["--help"], ["completion", "bash"], ["version"]]) {
        const modules = await loadedModules(args, { OET_CONFIG: config });
        assert.deepEqual(toml(modules), [], `oet ${args.join(" ")} loaded the TOML parser`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
