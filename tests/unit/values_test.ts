import assert from "node:assert/strict";
import { parseLiteral, parseValue } from "../../src/commands/framework/values.ts";

Deno.test("argument values follow the documented rule", () => {
  const cases: [string, unknown][] = [
    ["3", 3],
    ["-2", -2],
    ["2.5", 2.5],
    ["1e3", 1000],
    ["True", true],
    ["true", true],
    ["False", false],
    ["false", false],
    ["None", null],
    ["null", null],
    ["hello", "hello"],
    ["hello world", "hello world"],
    ["007", "007"],
    ["0x10", "0x10"],
    ["1,2", "1,2"],
    ["'007'", "007"],
    ['"True"', "True"],
    ["'it\\'s'", "it's"],
    ["[1, 2]", [1, 2]],
    ["['a', True, None]", ["a", true, null]],
    ['{"a": 1}', { a: 1 }],
    ["{'a': (1, 2), 'b': {'c': False},}", { a: [1, 2], b: { c: false } }],
    ["[1, 2", "[1, 2"],
    ["{oops}", "{oops}"],
    ["", ""],
    ["inf", "inf"],
    ["NaN", "NaN"],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseValue(text), want, text);
});

Deno.test("parseLiteral reports where a literal is wrong", () => {
  const r = parseLiteral("{'a': [1, }");
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /position \d+/);
});
