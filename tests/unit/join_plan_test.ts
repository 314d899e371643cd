/**
 * scripts/bundle/join_plan.ts: which shared chunks the bundle joins. The
 * plan trades modules saved against bytes loaded for nothing (LOAD_COST),
 * never makes modules import each other in a cycle, and is deterministic.
 */

import assert from "node:assert/strict";
import { findCycle, type JoinInput, LOAD_COST, planJoins } from "../../scripts/bundle/join_plan.ts";

/** A plan input from entries → chunks they load, sizes in KB, and chunk imports. */
function input(
  loads: Record<string, string[]>,
  kb: Record<string, number>,
  imports: Record<string, string[]> = {},
): JoinInput {
  return {
    loads: new Map(Object.entries(loads).map(([e, cs]) => [e, new Set(cs)])),
    sizes: new Map(Object.entries(kb).map(([c, k]) => [c, k * 1000])),
    imports: new Map(Object.entries(imports)),
  };
}

Deno.test("chunks that every command loads together are joined", () => {
  const plan = planJoins(input(
    { list: ["a", "b", "c"], create: ["a", "b", "c"], describe: ["a", "b", "c"] },
    { a: 1, b: 2, c: 3 },
  ));
  assert.deepEqual(plan, [["a", "b", "c"]]);
});

Deno.test("a chunk is not joined when the bytes others would load for nothing cost more than the modules saved", () => {
  // Joining big (40 KB) to small would save `list` one module and make the
  // three others load 0.5 KB more: a gain. Joining would make `help` and
  // `version` load 40 KB for nothing: a loss.
  const kbPerModule = LOAD_COST.moduleMs / LOAD_COST.kilobyteMs;
  assert.ok(kbPerModule > 2 && kbPerModule < 10, `a module costs ${kbPerModule} KB`);
  const plan = planJoins(input(
    { list: ["big", "small"], help: ["small"], version: ["small"] },
    { big: 40, small: 0.5 },
  ));
  assert.deepEqual(plan, []);
  // The same pair, loaded together by most: joined.
  const together = planJoins(input(
    { list: ["big", "small"], create: ["big", "small"], start: ["big", "small"], help: ["small"] },
    { big: 2, small: 0.5 },
  ));
  assert.deepEqual(together, [["big", "small"]]);
});

Deno.test("chunks are never joined into a cycle through a chunk that stays apart", () => {
  // a imports x, x imports b: joining a and b would make {a, b} and x import
  // each other. x is not joinable (it imports a package, say).
  const loads = { one: ["a", "b", "x"], two: ["a", "b", "x"] };
  const kb = { a: 1, b: 1 };
  assert.deepEqual(planJoins(input(loads, kb, { a: ["x"], x: ["b"] })), []);
  // Without that path they are joined.
  assert.deepEqual(planJoins(input(loads, kb, { a: ["b"] })), [["a", "b"]]);
});

Deno.test("the plan is the same whatever order the bundle lists its chunks in", () => {
  const loads = {
    list: ["c1", "c2", "c3", "c4"],
    create: ["c1", "c2", "c3"],
    status: ["c3", "c4"],
    login: ["c4"],
  };
  const kb = { c1: 1.2, c2: 0.7, c3: 3.1, c4: 0.5 };
  const forward = planJoins(input(loads, kb));
  const reversed = planJoins(input(
    Object.fromEntries(Object.entries(loads).reverse()),
    Object.fromEntries(Object.entries(kb).reverse()),
  ));
  assert.deepEqual(forward, reversed);
  assert.ok(forward.length > 0);
  // Each chunk is in at most one group.
  const all = forward.flat();
  assert.equal(new Set(all).size, all.length);
});

Deno.test("findCycle names the modules of a cycle, and finds none where there is none", () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  assert.deepEqual(findCycle(graph({ a: ["b"], b: ["c"], c: ["a"] })), ["a", "b", "c", "a"]);
  assert.deepEqual(findCycle(graph({ main: ["a"], a: ["b"], b: ["a"] })), ["a", "b", "a"]);
  assert.equal(findCycle(graph({ a: ["b", "c"], b: ["c"], c: [] })), undefined);
  assert.equal(findCycle(graph({ a: ["x"] })), undefined); // x imports nothing known
});
