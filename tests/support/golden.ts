/**
 * Golden files for what a person reads: `tests/golden/<name>.out` holds the
 * exact expected text. `UPDATE_GOLDEN=1 deno task test` rewrites them (then
 * review the diff); every failure says the command that rewrites the ones of
 * the failing test file. Holes for values that change from run to run
 * (ports, times) are filled by the caller's `normalize` before comparing.
 */

import assert from "node:assert/strict";

const DIR = new URL("../golden/", import.meta.url);
const ROOT = new URL("../../", import.meta.url);

/**
 * The test file that called in here (`tests/commands/help_test.ts`), read
 * from the stack, or undefined when the stack does not show one.
 */
function callingTestFile(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const m of stack.matchAll(/(file:\/\/[^\s)]+?_test\.ts):\d+:\d+/g)) {
    if (m[1].startsWith(ROOT.href)) return m[1].slice(ROOT.href.length);
  }
  return undefined;
}

/** The command that rewrites the goldens of the calling test file (or of every test). */
export function regenerateCommand(test = callingTestFile()): string {
  return `UPDATE_GOLDEN=1 deno task test${test ? ` -- ${test}` : ""}`;
}

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
      `golden file tests/golden/${name}.out is missing; create it with: ${regenerateCommand()}`,
    );
  }
  assert.equal(
    actual,
    expected,
    `output differs from tests/golden/${name}.out; if the change is meant, rewrite it with: ${regenerateCommand()} (then review the diff)`,
  );
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

/** Markdown as `deno fmt` writes it (the repository's settings: deno.json). */
async function formatMarkdown(markdown: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  assert.ok(success, `deno fmt: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout).replace(/\n$/, "");
}

/**
 * The generated part of a document (from `start` to `end`, both markers
 * included in `generated`) is what the code generates: checked, or with
 * UPDATE_GOLDEN=1 rewritten as `deno fmt` would write it (no step after).
 */
export async function assertGeneratedSection(
  file: URL,
  start: string,
  end: string,
  generated: string,
  test: string,
): Promise<void> {
  const name = file.pathname.split("/").slice(-2).join("/").replace(/^[^/]*\/(README)/, "$1");
  if (updatingGoldens()) {
    const formatted = await formatMarkdown(generated);
    // Read and write in one go: other test files rewrite other parts of the same document.
    const doc = Deno.readTextFileSync(file);
    const [from, to] = [doc.indexOf(start), doc.indexOf(end)];
    assert.ok(from >= 0 && to > from, `${name} needs the ${start} … ${end} markers`);
    Deno.writeTextFileSync(file, doc.slice(0, from) + formatted + doc.slice(to + end.length));
    return;
  }
  const doc = Deno.readTextFileSync(file);
  const [from, to] = [doc.indexOf(start), doc.indexOf(end)];
  assert.ok(from >= 0 && to > from, `${name} needs the ${start} … ${end} markers`);
  assert.deepEqual(
    markdownLines(doc.slice(from, to + end.length)),
    markdownLines(generated),
    `${name} is out of date: rewrite it with: ${regenerateCommand(test)}`,
  );
}
