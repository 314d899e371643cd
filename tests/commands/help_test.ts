/**
 * Help as gh and kubectl do it: generated from each command's own
 * declaration, golden for every command (80 columns, as in a pipe), on
 * stdout with exit 0, the inherited global options listed, examples on
 * every command, wrapped to the terminal's width.
 */

import assert from "node:assert/strict";
import type { Node } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import { isHidden, loadEntry } from "../../src/commands/framework/spec.ts";
import { colourAllowed } from "../../src/render/colour.ts";
import { runOet } from "../support/cli.ts";
import { assertGolden } from "../support/golden.ts";

/** The lines help wraps: all but the examples, which stay whole so they can be copied. */
function proseLines(text: string): string[] {
  const blocks = text.split(/\n(?=\S)/);
  return blocks.filter((b) => !b.startsWith("Examples:")).flatMap((b) => b.split("\n"));
}

/** Every command path of the tree, root first (loads every command module). */
async function allPaths(): Promise<string[][]> {
  const out: string[][] = [];
  const visit = async (node: Node, path: string[]) => {
    out.push(path);
    if (node.kind !== "group") return;
    for (const entry of node.commands) {
      if (isHidden(entry)) continue;
      await visit(await loadEntry(entry), [...path, entry.name]);
    }
  };
  await visit(buildTree().root, []);
  return out;
}

for (const path of await allPaths()) {
  const name = path.length ? path.join("-") : "oet";
  Deno.test(`help golden: oet ${path.join(" ")} --help`, async () => {
    const r = await runOet([...path, "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assertGolden(`help/${name}`, r.stdout);
    for (const line of proseLines(r.stdout)) {
      assert.ok(line.length <= 80, `wider than 80 columns in a pipe: ${JSON.stringify(line)}`);
    }
    for (const line of r.stdout.split("\n")) {
      assert.equal(line, line.trimEnd(), "no trailing spaces");
    }
    // Every command and group shows examples, and the options that work there.
    assert.match(r.stdout, /\nExamples:\n {2}\S/);
    assert.match(r.stdout, /--server-url <url>/);
    assert.match(r.stdout, /--request-timeout <duration>/);
    assert.match(r.stdout, /-h, --help/);
    // `oet help <path>` prints the same.
    if (path.length) {
      const h = await runOet(["help", ...path]);
      assert.equal(h.code, 0, h.stderr);
      assert.equal(h.stdout, r.stdout);
    }
  });
}

Deno.test("oet alone prints help on stdout and exits 0, as gh and kubectl do; so does a group alone", async () => {
  const r = await runOet([]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, (await runOet(["--help"])).stdout);
  const g = await runOet(["procedure"]);
  assert.equal(g.code, 0);
  assert.equal(g.stdout, (await runOet(["procedure", "--help"])).stdout);
});

Deno.test("oet help names unknown commands, with a suggestion", async () => {
  const r = await runOet(["help", "procedure", "creat"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^error: unknown command "creat" for "oet procedure": did you mean create\?\n/,
  );
  const n = await runOet(["help", "nosuch"]);
  assert.equal(n.code, 2);
  assert.match(n.stderr, /unknown command "nosuch" for "oet"/);
  assert.match(n.stderr, /^hint: see: oet --help; help topics: exit-codes, environment$/m);
});

Deno.test("help topics: exit codes and environment variables", async () => {
  const e = await runOet(["help", "exit-codes"]);
  assert.equal(e.code, 0);
  assert.match(e.stdout, /^Exit codes:\n {2}0 {4}success/);
  assert.match(e.stdout, /\n {2}141 {2}stdout closed while waiting/);
  const v = await runOet(["help", "environment"]);
  assert.match(v.stdout, /OET_REST_URI/);
  assert.match(v.stdout, /FORCE_COLOR/);
});

Deno.test("help is wrapped to the terminal's width", async () => {
  const wide = await helpAt(132);
  const lines = proseLines(wide);
  assert.ok(lines.every((l) => l.length <= 132));
  assert.ok(lines.some((l) => l.length > 80), "uses the room a wide terminal has");
  const narrow = await helpAt(60);
  // What cannot be wrapped may stick out: one long word (a URL), a row of a preformatted table.
  const fits = (l: string) => l.length <= 60 || !l.trim().includes(" ") || /^ {2}\S.* {3,}/.test(l);
  assert.deepEqual(proseLines(narrow).filter((l) => !fits(l)), []);
});

async function helpAt(columns: number): Promise<string> {
  const r = await runOet(["procedure", "start", "--help"], { tty: true, columns });
  assert.equal(r.code, 0);
  return r.stdout;
}

Deno.test("colour: a terminal, FORCE_COLOR or CLICOLOR_FORCE; NO_COLOR always wins", () => {
  assert.equal(colourAllowed(true, {}), true);
  assert.equal(colourAllowed(false, {}), false);
  assert.equal(colourAllowed(true, { TERM: "dumb" }), false);
  assert.equal(colourAllowed(false, { FORCE_COLOR: "1" }), true);
  assert.equal(colourAllowed(false, { FORCE_COLOR: "" }), true);
  assert.equal(colourAllowed(true, { FORCE_COLOR: "0" }), false);
  assert.equal(colourAllowed(false, { CLICOLOR_FORCE: "1" }), true);
  assert.equal(colourAllowed(false, { CLICOLOR_FORCE: "0" }), false);
  assert.equal(colourAllowed(false, { FORCE_COLOR: "1", NO_COLOR: "1" }), false);
  assert.equal(colourAllowed(true, { CLICOLOR_FORCE: "1", NO_COLOR: "x" }), false);
});

Deno.test("one version line everywhere: --version, -V and oet version", async () => {
  const a = await runOet(["--version"]);
  const b = await runOet(["-V"]);
  const c = await runOet(["version"]);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, c.stdout);
  assert.match(a.stdout, /^oet \d+\.\d+\.\d+ \(development build; deno 2\.9\.6\)\n$/);
});
