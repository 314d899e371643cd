import assert from "node:assert/strict";
import { pyRepr } from "../../src/render/pyrepr.ts";

const cases: { json: string; repr: string }[] = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/python/pyrepr_cases.json", import.meta.url)),
);

for (const c of cases) {
  Deno.test(`pyRepr matches Python repr(): ${c.json}`, () => {
    assert.equal(pyRepr(JSON.parse(c.json)), c.repr);
  });
}
