/**
 * The README read as a newcomer reads it: where to start (clone and cd,
 * then the two commands that work with only Node and npm), the words it
 * uses explained before they are used, and a session excerpt whose every
 * procedure is created in it.
 */

import assert from "node:assert/strict";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

Deno.test("README: clone and cd first, then the demo and the tests, tested with Node 20", () => {
  const firstBlock = README.indexOf("```sh\n");
  assert.ok(README.indexOf("git clone") < firstBlock, "clone comes before the first commands");
  assert.match(README.slice(0, firstBlock), /&& cd oet/);
  const commands = README.slice(firstBlock + 6, README.indexOf("```", firstBlock + 6))
    .trim().split("\n").map((l) => l.replace(/\s+#.*$/, ""));
  assert.deepEqual(commands, ["npx -y deno@2.9.6 task demo", "npx -y deno@2.9.6 task test"]);
  assert.match(README, /tested with Node 20/);
});

Deno.test("README: how to try authentication locally, in a sentence near the top", () => {
  const top = README.slice(0, README.indexOf("## Commands"));
  assert.match(top, /task demo -- --auth/);
  assert.match(top, /task sim -- --auth/);
});

Deno.test("README: SB, SBD, ODA and AAA are explained before the text uses them", () => {
  const glossary = README.indexOf("Words used below:");
  assert.ok(glossary > 0);
  for (const word of ["Scheduling Block", "SBD", "ODA", "AAA"]) {
    const first = README.search(new RegExp(`\\b${word}\\b`));
    assert.ok(first > glossary, `${word} is used before the glossary`);
  }
});

Deno.test("README: the session excerpt creates every procedure it shows", () => {
  const at = README.indexOf("A session against the local OET from its start");
  const start = README.indexOf("```text\n", at);
  const excerpt = README.slice(start, README.indexOf("```\n", start + 8));
  const created = new Set<number>();
  for (const command of excerpt.split(/^\$ /m).slice(1)) {
    const [line, ...output] = command.split("\n");
    const ids = output.map((l) => /^ +(\d+) {2}\S/.exec(l)?.[1]).filter((id) => id !== undefined)
      .map(Number);
    if (/^oet procedure create /.test(line)) ids.forEach((id) => created.add(id));
    else if (/^oet activity run /.test(line)) {
      // The activity's row names its new procedure.
      const row = output.find((l) => /^ +\d+ {2}\w+ +sbd-/.test(l));
      if (row) created.add(Number(row.trim().split(/\s+/).at(-2)));
    } else if (/^oet procedure (list|start|describe)/.test(line)) {
      for (const id of ids) {
        assert.ok(created.has(id), `procedure ${id} shown before it is created`);
      }
    }
  }
  assert.ok(created.size >= 3, [...created].join(" "));
});
