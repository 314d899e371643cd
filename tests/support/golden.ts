/**
 * Golden files for what a person reads: `tests/golden/<name>.out` holds the
 * exact expected text. `UPDATE_GOLDEN=1 deno task test` rewrites them (then
 * review the diff). Holes for values that change from run to run (ports,
 * times) are filled by the caller's `normalize` before comparing.
 */

import assert from "node:assert/strict";

const DIR = new URL("../golden/", import.meta.url);

/** Compares text with a golden file, or rewrites the file when asked. */
export function assertGolden(name: string, actual: string): void {
  const file = new URL(`${name}.out`, DIR);
  if (updatingGoldens()) {
    Deno.mkdirSync(new URL(".", file), { recursive: true });
    Deno.writeTextFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(file);
  } catch {
    throw new Error(
      `golden file tests/golden/${name}.out is missing; run with UPDATE_GOLDEN=1 to create it`,
    );
  }
  assert.equal(actual, expected, `output differs from tests/golden/${name}.out`);
}

/**
 * True when the run rewrites goldens and generated documents instead of
 * checking them (`UPDATE_GOLDEN=1`): the one place that reads the variable.
 */
export function updatingGoldens(): boolean {
  return Deno.env.get("UPDATE_GOLDEN") === "1";
}

/** Lines with table cells trimmed, so that `deno fmt`'s padding does not count. */
export function markdownLines(markdown: string): string[] {
  return markdown.split("\n").map((line) => {
    const t = line.trim();
    if (!t.startsWith("|")) return t;
    const cells = t.slice(1, -1).split(" | ").map((c) => c.trim());
    return cells.every((c) => /^-+$/.test(c)) ? "|---|" : `| ${cells.join(" | ")} |`;
  });
}

/**
 * The generated part of a document (from `start` to `end`, both markers
 * included in `generated`) is what the code generates: checked, or with
 * UPDATE_GOLDEN=1 rewritten (then run `deno fmt` on the document).
 */
export function assertGeneratedSection(
  file: URL,
  start: string,
  end: string,
  generated: string,
  test: string,
): void {
  const doc = Deno.readTextFileSync(file);
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const name = file.pathname.split("/").slice(-2).join("/").replace(/^[^/]*\/(README)/, "$1");
  assert.ok(from >= 0 && to > from, `${name} needs the ${start} … ${end} markers`);
  if (updatingGoldens()) {
    Deno.writeTextFileSync(file, doc.slice(0, from) + generated + doc.slice(to + end.length));
    return;
  }
  assert.deepEqual(
    markdownLines(doc.slice(from, to + end.length)),
    markdownLines(generated),
    `${name} is out of date: run UPDATE_GOLDEN=1 deno test -A ${test}, then deno fmt ${name}`,
  );
}
