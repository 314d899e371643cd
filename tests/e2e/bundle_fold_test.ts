/**
 * scripts/bundle.ts's `foldStartup` on small bundles written here in
 * esbuild's shape (the real bundle is checked by startup_modules_test.ts):
 * the start-up chunks become one `core.js`, a lazy chunk still loads
 * lazily and shares its module instance, evaluation keeps its order, and a
 * bundle the fold cannot join safely is refused, not folded wrong.
 */

import assert from "node:assert/strict";
import { chunkGraph, compileEagerly, foldStartup } from "../../scripts/bundle.ts";
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

Deno.test("the fold refuses a core.js that no longer evaluates once its functions are compiled eagerly (a use before the line)", async () => {
  await withBundle({
    "main.js": mainJs('import { ready } from "./chunk-A.js";', "  ready();"),
    // Fine as declarations (hoisted); as variables, `later` is not yet set.
    "chunk-A.js": "var ready = made();\nfunction made() {\n  return later;\n}\n" +
      "function later() {}\nexport {\n  ready\n};\n",
  }, async (dir) => {
    await assert.rejects(() => foldStartup(dir), /evaluating core\.js failed/);
  });
});
