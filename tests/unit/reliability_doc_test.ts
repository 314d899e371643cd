/**
 * docs/reliability.md's matrix is generated from tests/support/fault_matrix.ts
 * and checked here against it and against the tests: every row has exactly
 * one `faultTest` (which asserts the row's exit code), every test has a row,
 * and every row kept from another file names a test that exists there.
 * `UPDATE_GOLDEN=1` rewrites the table (formatted as `deno fmt` writes it).
 */

import assert from "node:assert/strict";
import { EXTERNAL, type FaultId, type FaultRow, MATRIX } from "../support/fault_matrix.ts";
import { assertGeneratedSection } from "../support/golden.ts";

const ROOT = new URL("../../", import.meta.url);
const DOC = new URL("docs/reliability.md", ROOT);
const README = new URL("README.md", ROOT);
const README_START = "<!-- reliability:start (generated from tests/support/fault_matrix.ts) -->";
const README_END = "<!-- reliability:end -->";
const START = "<!-- matrix:start (generated from tests/support/fault_matrix.ts) -->";
const END = "<!-- matrix:end -->";
const THIS = new URL(import.meta.url).pathname.split("/").at(-1);

const GROUPS: Record<string, string> = {
  network: "Reaching the server",
  answers: "Answers no OET should give",
  waiting: "While a command waits",
  input: "Bad input (nothing is sent)",
  terminal: "Terminal safety",
  signals: "Signals and pipes",
  secrets: "Secrets",
};

/** Every `faultTest("id", …)` in the reliability test files: id → files. */
function registeredTests(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const dir of ["tests/commands", "tests/e2e", "tests/unit"]) {
    for (const entry of Deno.readDirSync(new URL(`${dir}/`, ROOT))) {
      // (This file names faultTest in its messages: it is not one of them.)
      if (!/^reliability_.*_test\.ts$/.test(entry.name) || entry.name === THIS) continue;
      const file = `${dir}/${entry.name}`;
      const text = Deno.readTextFileSync(new URL(file, ROOT));
      for (const m of text.matchAll(/faultTest\(\s*"([^"]+)"/g)) {
        found.set(m[1], [...(found.get(m[1]) ?? []), file]);
      }
    }
  }
  return found;
}

function link(file: string): string {
  return `[${file.split("/").at(-1)}](../${file})`;
}

/** The generated part of docs/reliability.md. */
function renderMatrix(tests: Map<string, string[]>): string {
  const out: string[] = [START];
  for (const [group, title] of Object.entries(GROUPS)) {
    out.push(
      "",
      `### ${title}`,
      "",
      "| fault | what `oet` does | exit | test |",
      "| --- | --- | --- | --- |",
    );
    const rows = Object.entries(MATRIX) as [FaultId, FaultRow][];
    for (const [id, row] of rows) {
      if (row.group !== group) continue;
      const file = tests.get(id)?.[0] ?? "MISSING";
      out.push(`| ${row.fault} | ${row.does} | ${row.exit} | \`[${id}]\` in ${link(file)} |`);
    }
    for (const row of EXTERNAL) {
      if (row.group !== group) continue;
      out.push(`| ${row.fault} | ${row.does} | ${row.exit} | "${row.test}" in ${link(row.file)} |`);
    }
  }
  out.push("", END);
  return out.join("\n");
}

/** The README's compact matrix: fault, what oet does, exit code, every row. */
function renderReadmeMatrix(): string {
  const rows = [
    ...(Object.values(MATRIX) as FaultRow[]),
    ...EXTERNAL,
  ];
  const out = [README_START, "", "| fault | what `oet` does | exit |", "| --- | --- | --- |"];
  for (const group of Object.keys(GROUPS)) {
    for (const row of rows) {
      if (row.group === group) out.push(`| ${row.fault} | ${row.does} | ${row.exit} |`);
    }
  }
  out.push("", README_END);
  return out.join("\n");
}

/** Checks (or with UPDATE_GOLDEN=1 rewrites) the generated part of a document. */
function checkGenerated(file: URL, start: string, end: string, expected: string): Promise<void> {
  return assertGeneratedSection(file, start, end, expected, "tests/unit/reliability_doc_test.ts");
}

Deno.test("reliability matrix: every row has exactly one test, every test a row", () => {
  const tests = registeredTests();
  for (const id of Object.keys(MATRIX)) {
    assert.equal(tests.get(id)?.length, 1, `row ${id}: tests in ${tests.get(id) ?? "none"}`);
  }
  for (const id of tests.keys()) assert.ok(id in MATRIX, `faultTest("${id}") has no row`);
  for (const row of Object.values(MATRIX) as FaultRow[]) assert.ok(row.group in GROUPS, row.group);
  for (const row of EXTERNAL) {
    const text = Deno.readTextFileSync(new URL(row.file, ROOT));
    assert.ok(text.includes(row.test), `${row.file} has no test named like "${row.test}"`);
    assert.ok(row.group in GROUPS, row.group);
  }
});

Deno.test("reliability matrix: docs/reliability.md shows exactly the tested rows", async () => {
  await checkGenerated(DOC, START, END, renderMatrix(registeredTests()));
});

Deno.test("reliability matrix: the README's table shows the same rows", async () => {
  await checkGenerated(README, README_START, README_END, renderReadmeMatrix());
});
