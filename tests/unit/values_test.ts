import assert from "node:assert/strict";
import { parseLiteral, parseValue } from "../../src/commands/values.ts";
import { splitCallArgs } from "../../src/commands/call_args.ts";
import { UsageError } from "../../src/domain/errors.ts";

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

Deno.test("splitCallArgs: positionals, --k=v, --k v, bare flags, hyphens, and --", () => {
  const { call, warnings } = splitCallArgs([
    "hello",
    "--verbose=true",
    "--subarray_id",
    "3",
    "--my-param=1",
    "--dry-run",
    "--offset=-1",
    "--name=a=b",
    "--neg",
    "-5",
    "--",
    "--literal",
  ]);
  assert.deepEqual(call.args, ["hello", "--literal"]);
  assert.deepEqual(call.kwargs, {
    verbose: true,
    subarray_id: 3,
    my_param: 1,
    dry_run: true,
    offset: -1,
    name: "a=b",
    neg: -5,
  });
  assert.deepEqual(warnings, []);
});

Deno.test("splitCallArgs warns about likely typos of the command's own options", () => {
  const { call, warnings } = splitCallArgs(["--server-ulr=http://x"], ["server-url", "pid"]);
  assert.deepEqual(call.kwargs, { server_ulr: "http://x" });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /did you mean --server-url\?/);
});

Deno.test("splitCallArgs rejects keyword names that are not names", () => {
  assert.throws(() => splitCallArgs(["--=1"]), UsageError);
  assert.throws(() => splitCallArgs(["--a b=1"]), UsageError);
});
