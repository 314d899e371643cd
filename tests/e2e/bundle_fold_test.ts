/**
 * scripts/bundle.ts's `foldStartup` on small bundles written here in
 * esbuild's shape (the real bundle is checked by startup_modules_test.ts):
 * the start-up chunks become one `core.js`, a lazy chunk still loads
 * lazily and shares its module instance, evaluation keeps its order, and a
 * bundle the fold cannot join safely is refused, not folded wrong.
 */

import assert from "node:assert/strict";
import {
  chunkGraph,
  compileAllEagerly,
  compileEagerly,
  foldStartup,
  joinSharedChunks,
} from "../../scripts/bundle.ts";
import { runCommand } from "../support/spawn.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Writes `files` into a new folder of dist/, runs `fn` on it, and removes it. */
async function withBundle(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: `${ROOT}dist`, prefix: ".fold-test-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** main.js as esbuild writes main.ts: imports, code, the start line, `export { main }`. */
function mainJs(imports: string, body: string): string {
  return `${imports}\nasync function main() {\n${body}\n}\n` +
    "if (import.meta.main) await main();\nexport {\n  main\n};\n";
}

Deno.test("the fold joins the start-up chunks into core.js; a lazy chunk stays lazy and shares their state", async () => {
  await withBundle({
    "main.js": mainJs(
      'import { count, log } from "./chunk-A.js";\nimport { greet } from "./chunk-B.js";',
      '  log("main");\n  greet();\n  const { late } = await import("./late-C.js");\n' +
        '  late();\n  console.log(`${log.lines.join(" ")} count=${count()}`);',
    ),
    "chunk-A.js": "var lines = [];\nfunction log(s) {\n  lines.push(s);\n}\nlog.lines = lines;\n" +
      'log("A evaluated");\nfunction count() {\n  return lines.length;\n}\n' +
      "export {\n  count,\n  log\n};\n",
    "chunk-B.js": 'import {\n  log\n} from "./chunk-A.js";\nlog("B evaluated");\n' +
      'function greet() {\n  log("greet");\n}\nexport {\n  greet\n};\n',
    "late-C.js": 'import {\n  log\n} from "./chunk-A.js";\nlog("C evaluated");\n' +
      'function late() {\n  log("late");\n}\nexport {\n  late\n};\n',
  }, async (dir) => {
    const before = await runCommand(Deno.execPath(), ["run", "-A", `${dir}/main.js`]);
    assert.equal(before.code, 0, before.stderr);
    await foldStartup(dir);
    const names = [...Deno.readDirSync(dir)].map((f) => f.name).sort();
    assert.deepEqual(names, ["core.js", "late-C.js", "main.js"]);
    const graph = await chunkGraph(dir);
    assert.deepEqual(graph.get("main.js")!.static, ["core.js"]);
    assert.deepEqual(graph.get("core.js")!.dynamic, ["late-C.js"]);
    assert.deepEqual(graph.get("late-C.js")!.static, ["core.js"]);
    // The same run, the same order, one instance of chunk A's state.
    const after = await runCommand(Deno.execPath(), ["run", "-A", `${dir}/main.js`]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout, before.stdout);
    assert.equal(after.stdout, "A evaluated B evaluated main greet C evaluated late count=6\n");
  });
});

Deno.test("the fold refuses two start-up chunks that export one name (export * would drop it)", async () => {
  await withBundle({
    "main.js": mainJs(
      'import { a } from "./chunk-A.js";\nimport { b } from "./chunk-B.js";',
      "a(); b();",
    ),
    "chunk-A.js": "function a() {}\nexport {\n  a\n};\n",
    "chunk-B.js": "function a() {}\nfunction b() {}\nexport {\n  a,\n  b\n};\n",
  }, async (dir) => {
    await assert.rejects(() => foldStartup(dir), /chunk-[AB]\.js and chunk-[AB]\.js both export a/);
    // Nothing was changed.
    assert.match(await Deno.readTextFile(`${dir}/main.js`), /from "\.\/chunk-A\.js"/);
  });
});

Deno.test("the fold refuses a main.js that does not end as main.ts does", async () => {
  await withBundle({
    "main.js": 'import { a } from "./chunk-A.js";\na();\nexport {\n  a\n};\n',
    "chunk-A.js": "function a() {}\nexport {\n  a\n};\n",
  }, async (dir) => {
    await assert.rejects(() => foldStartup(dir), /does not end as main\.ts does/);
  });
});

Deno.test("compileEagerly writes top-level functions as parenthesised expressions, and nothing else", () => {
  const source = "function a(x) {\n  return `function b() {\n}` + x;\n}\n" +
    "async function c() {\n  function inner() {}\n  return inner;\n}\n" +
    "function* g() {\n  yield 1;\n}\nconst d = function e() {};\nexport {\n  a,\n  c\n};\n";
  assert.equal(
    compileEagerly(source),
    "var a = (function a(x) {\n  return `function b() {\n}` + x;\n});\n" +
      "var c = (async function c() {\n  function inner() {}\n  return inner;\n});\n" +
      "function* g() {\n  yield 1;\n}\nconst d = function e() {};\nexport {\n  a,\n  c\n};\n",
  );
});

Deno.test("compiling eagerly refuses a module that no longer evaluates (a use before the line)", async () => {
  await withBundle({
    "main.js": mainJs('import { ready } from "./chunk-A.js";', "  ready();"),
    // Fine as declarations (hoisted); as variables, `later` is not yet set.
    "chunk-A.js": "var ready = made();\nfunction made() {\n  return later;\n}\n" +
      "function later() {}\nexport {\n  ready\n};\n",
  }, async (dir) => {
    await foldStartup(dir);
    await assert.rejects(() => compileAllEagerly(dir), /evaluating core\.js failed/);
  });
});

Deno.test("compiling eagerly rewrites every module that imports no package, and evaluates them", async () => {
  await withBundle({
    "main.js": mainJs(
      'import { a } from "./chunk-A.js";',
      '  a();\n  const { late } = await import("./late-B.js");\n  late();\n' +
        '  await import("./late-C.js");',
    ),
    "chunk-A.js": 'function a() {\n  console.log("a");\n}\nexport {\n  a\n};\n',
    "late-B.js": 'import { a } from "./chunk-A.js";\n' +
      'function late() {\n  a();\n  console.log("late");\n}\nexport {\n  late\n};\n',
    "late-C.js": 'import { parse } from "smol-toml";\n' +
      "function c() {\n  return parse;\n}\nexport {\n  c\n};\n",
  }, async (dir) => {
    await foldStartup(dir);
    await compileAllEagerly(dir);
    assert.match(await Deno.readTextFile(`${dir}/core.js`), /var a = \(function a\(\)/);
    assert.match(await Deno.readTextFile(`${dir}/late-B.js`), /var late = \(function late\(\)/);
    // A module that imports a package is left as it was.
    assert.match(await Deno.readTextFile(`${dir}/late-C.js`), /^function c\(\)/m);
    const run = await runCommand(Deno.execPath(), ["run", "-A", `${dir}/main.js`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "a\na\nlate\n");
  });
});

Deno.test("joining shared chunks makes fewer modules with one instance of each chunk's state, and the same run", async () => {
  // Two lazily loaded commands share chunk-A (with state) and chunk-B;
  // chunk-P imports a package and stays apart.
  await withBundle({
    "main.js": mainJs(
      'import { log } from "./chunk-M.js";',
      '  log("main");\n  const { one } = await import("./one-X.js");\n  one();\n' +
        '  const { two } = await import("./two-Y.js");\n  two();\n' +
        '  console.log(log.lines.join(" "));',
    ),
    "chunk-M.js": "var lines = [];\nfunction log(s) {\n  lines.push(s);\n}\nlog.lines = lines;\n" +
      "export {\n  log\n};\n",
    "chunk-A.js": 'import { log } from "./chunk-M.js";\nvar count = 0;\nlog("A evaluated");\n' +
      "function bump() {\n  return ++count;\n}\nexport {\n  bump\n};\n",
    "chunk-B.js": 'import { bump } from "./chunk-A.js";\nimport { log } from "./chunk-M.js";\n' +
      'log("B evaluated");\nfunction twice() {\n  bump();\n  return bump();\n}\n' +
      "export {\n  twice\n};\n",
    "chunk-P.js":
      'import { parse } from "smol-toml";\nfunction p() {\n  return typeof parse;\n}\n' +
      "export {\n  p\n};\n",
    "one-X.js": 'import { twice } from "./chunk-B.js";\nimport { log } from "./chunk-M.js";\n' +
      'import { p } from "./chunk-P.js";\n' +
      "function one() {\n  log(`one ${twice()} ${p()}`);\n}\nexport {\n  one\n};\n",
    "two-Y.js": 'import { bump } from "./chunk-A.js";\nimport { twice } from "./chunk-B.js";\n' +
      'import { log } from "./chunk-M.js";\n' +
      "function two() {\n  log(`two ${twice()} ${bump()}`);\n}\nexport {\n  two\n};\n",
  }, async (dir) => {
    const before = await runCommand(Deno.execPath(), ["run", "-A", `${dir}/main.js`]);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(before.stdout, "main A evaluated B evaluated one 2 function two 4 5\n");
    await foldStartup(dir);
    await joinSharedChunks(dir);
    const names = [...Deno.readDirSync(dir)].map((f) => f.name).sort();
    assert.deepEqual(names, [
      "chunk-A.js",
      "chunk-P.js",
      "core.js",
      "main.js",
      "one-X.js",
      "two-Y.js",
    ]);
    const graph = await chunkGraph(dir);
    assert.deepEqual(graph.get("two-Y.js")!.static.sort(), ["chunk-A.js", "core.js"]);
    const after = await runCommand(Deno.execPath(), ["run", "-A", `${dir}/main.js`]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout, before.stdout);
  });
});
