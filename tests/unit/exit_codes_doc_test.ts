/**
 * One table of exit codes (src/cli/exit_codes.ts) decides them, and the
 * README's table and `oet --help` are generated from it: this test keeps
 * the README in step (`UPDATE_GOLDEN=1` rewrites it, formatted), and checks that every code the help shows is in the table.
 */

import assert from "node:assert/strict";
import { EXIT_CODES, exitCodesHelp, exitCodesMarkdown } from "../../src/cli/exit_codes.ts";
import { assertGeneratedSection } from "../support/golden.ts";

const README = new URL("../../README.md", import.meta.url);
const START = "<!-- exit-codes:start (generated from src/cli/exit_codes.ts) -->";
const END = "<!-- exit-codes:end -->";

Deno.test("README: the exit-code table is the one in src/cli/exit_codes.ts", async () => {
  await assertGeneratedSection(
    README,
    START,
    END,
    `${START}\n\n${exitCodesMarkdown()}\n\n${END}`,
    "tests/unit/exit_codes_doc_test.ts",
  );
});

Deno.test("the help's exit codes are the table's, in order", () => {
  const codes = [...exitCodesHelp().matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]));
  assert.deepEqual(codes, Object.values(EXIT_CODES).map((e) => e.code));
  assert.deepEqual(codes, [0, 1, 2, 3, 4, 5, 124, 130, 141, 143]);
});
