import assert from "node:assert/strict";
import fc from "fast-check";
import { isDigits } from "../../src/domain/text.ts";
import { FLOAT_RE, formatG, INT_RE, mayBeNumber, table, tabulate } from "../../src/render/table.ts";

interface Case {
  name: string;
  headers: string[];
  rows: (string | number | boolean | null)[][];
  expected: string;
}

const cases: Case[] = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/python/tabulate_cases.json", import.meta.url)),
);

for (const c of cases) {
  Deno.test(`tabulate matches Python tabulate 0.8.9: ${c.name}`, async () => {
    assert.equal(await table(c.headers, c.rows), c.expected);
  });
}

Deno.test("tabulate: the python-client transcripts' tables come out byte for byte", () => {
  // 06-list.txt, recorded from the real 2022 client (headers as it printed them).
  const expected = [
    "  ID  Script                                  Creation Time        State",
    "----  --------------------------------------  -------------------  -------",
    "   1  file:///srv/oet/scripts/hello_world.py  2026-11-23 23:35:43  READY",
    "   2  file:///srv/oet/scripts/echo_args.py    2026-11-23 23:35:43  READY",
  ].join("\n");
  const got = tabulate(["ID", "Script", "Creation Time", "State"], [
    [1, "file:///srv/oet/scripts/hello_world.py", "2026-11-23 23:35:43", "READY"],
    [2, "file:///srv/oet/scripts/echo_args.py", "2026-11-23 23:35:43", "READY"],
  ]);
  assert.equal(got, expected);
  const recorded = Deno.readTextFileSync(
    new URL("../fixtures/transcripts/python-client/06-list.txt", import.meta.url),
  );
  assert.ok(recorded.includes(expected));
});

Deno.test("tabulate ignores ANSI colour codes when sizing columns", () => {
  const plain = tabulate(["ID", "State"], [[1, "READY"], [2, "FAILED"]]);
  const coloured = tabulate(["ID", "State"], [[1, "READY"], [2, "\x1b[31mFAILED\x1b[0m"]]);
  assert.equal(coloured.replaceAll("\x1b[31m", "").replaceAll("\x1b[0m", ""), plain);
});

Deno.test("tabulate refuses wide text until the width tables are loaded; table() loads them", async () => {
  // (Whether another test loaded them already depends on the order: check both ways.)
  const rows = [[1, "日本語"]];
  try {
    tabulate(["ID", "Name"], rows);
  } catch (err) {
    assert.match(String(err), /loadWideWidths/);
  }
  assert.equal(await table(["ID", "Name"], rows), "  ID  Name\n----  ------\n   1  日本語");
});

Deno.test("formatG is Python's format(x, 'g')", () => {
  const cases: [number, string][] = [
    [2.5, "2.5"],
    [1e-7, "1e-07"],
    [1234567, "1.23457e+06"],
    [100000, "100000"],
    [1e6, "1e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [-0.25, "-0.25"],
    [123456.5, "123456"],
    [Infinity, "inf"],
    [NaN, "nan"],
  ];
  for (const [x, want] of cases) assert.equal(formatG(x), want, String(x));
});

Deno.test("the loops that spare the number regexes never change an answer: digits are numbers, other ASCII is text", () => {
  // Strings of characters numbers are made of, mixed with ones they are not.
  const character = fc.constantFrom(
    ..."0123456789+-._eEiInNfFtTyYaA \t\n\v\f\r:/xXzR#,\u00a0\u2003\u3000\ufeff\u0660é",
  );
  fc.assert(
    fc.property(fc.array(character, { maxLength: 12 }).map((cs) => cs.join("")), (s) => {
      if (isDigits(s)) assert.ok(INT_RE.test(s) && FLOAT_RE.test(s), JSON.stringify(s));
      if (!mayBeNumber(s)) assert.ok(!INT_RE.test(s) && !FLOAT_RE.test(s), JSON.stringify(s));
    }),
    { numRuns: 20_000 },
  );
  // The cells of a procedure list never reach the regexes.
  for (const cell of ["file:///scripts/hello_world.py", "2026-12-07 23:44:04", "READY"]) {
    assert.equal(mayBeNumber(cell), false, cell);
  }
  assert.ok(isDigits("12") && !isDigits("") && !isDigits("1 ") && !isDigits("١"));
});
