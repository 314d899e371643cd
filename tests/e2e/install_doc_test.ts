/**
 * docs/install.md prints the permission flags and file names literally, so
 * it can drift from scripts/permissions.ts and deno.json: these checks fail
 * when it does.
 */

import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { TARGETS } from "../../scripts/build.ts";
import { PERMISSION_FLAGS, RUN_FLAGS } from "../../scripts/permissions.ts";
import { assertGeneratedLines } from "../support/golden.ts";

const DOC = new URL("../../docs/install.md", import.meta.url);
const README = new URL("../../README.md", import.meta.url);
const TEST = "tests/e2e/install_doc_test.ts";

/** The flag lines of the doc: the `deno install` continuation line and the Permissions list. */
const FLAG_LINE = /^( {2})?--no-prompt --allow-net .*$/gm;

Deno.test("install doc: the deno install command and the flag list are PERMISSION_FLAGS", async () => {
  // Both flag lines are generated from scripts/permissions.ts.
  assertGeneratedLines(
    DOC,
    FLAG_LINE,
    (line) =>
      line.startsWith("  ") ? `  ${PERMISSION_FLAGS.join(" ")} \\` : PERMISSION_FLAGS.join(" "),
    TEST,
  );
  const text = await Deno.readTextFile(DOC);
  const joined = text.replaceAll(/ *\\\n */g, " ");
  const flags = PERMISSION_FLAGS.join(" ");
  assert.ok(
    joined.includes(
      `deno install --global --no-config --import-map deno.json --name oet ${
        RUN_FLAGS.join(" ")
      } ${flags} main.ts`,
    ),
    "the deno install command carries RUN_FLAGS and exactly PERMISSION_FLAGS",
  );
  assert.ok(text.includes(`\n${flags}\n`), "the Permissions section lists PERMISSION_FLAGS");
});

Deno.test("README: its deno install shim carries exactly PERMISSION_FLAGS (the same command as docs/install.md)", async () => {
  assertGeneratedLines(
    README,
    /^( {2})--no-prompt --allow-net .*$/gm,
    () => `  ${PERMISSION_FLAGS.join(" ")} \\`,
    TEST,
  );
  const joined = (await Deno.readTextFile(README)).replaceAll(/ *\\\n */g, " ");
  assert.ok(
    joined.includes(
      `deno install --global --no-config --import-map deno.json --name oet ${RUN_FLAGS.join(" ")} ${
        PERMISSION_FLAGS.join(" ")
      } main.ts`,
    ),
    "the README's deno install command carries RUN_FLAGS and exactly PERMISSION_FLAGS",
  );
  assert.ok(joined.includes("npm install -g deno@2.9.6"), "the README says how to get Deno");
  // deno install does not put its bin directory on PATH: the README does.
  assert.ok(joined.includes(`export PATH="$HOME/.deno/bin:$PATH"`), "the README's PATH step");
  assert.ok(!joined.includes("alias oet="), "the clone-root alias is gone");
});

Deno.test("install doc: release file names carry deno.json's version and every target", async () => {
  const text = await Deno.readTextFile(DOC);
  for (const t of TARGETS) {
    const exe = t.includes("windows") ? ".exe" : "";
    assert.ok(text.includes(`\`oet-${denoJson.version}-${t}${exe}\``), t);
  }
  const versions = new Set([...text.matchAll(/oet-(\d+\.\d+\.\d+[^-\s]*)-/g)].map((m) => m[1]));
  assert.deepEqual([...versions], [denoJson.version]);
});
