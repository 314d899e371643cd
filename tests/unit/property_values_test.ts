/**
 * Property tests of the script argument value parser (src/commands/framework/values.ts,
 * call_args.ts): seeded, a few thousand cases each. It never throws, never
 * changes text it does not read as a value, and reads back every JSON value
 * and every Python repr of one.
 */

import assert from "node:assert/strict";
import { buildCall } from "../../src/commands/framework/call_args.ts";
import { parseArgv } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import { parseLiteral, parseValue } from "../../src/commands/framework/values.ts";
import { UsageError } from "../../src/domain/errors.ts";
import type { Json } from "../../src/domain/types.ts";
import { pyRepr } from "../../src/render/pyrepr.ts";
import { forAll, propertySeed, randomPiece, randomText, type Rng } from "../support/prng.ts";

const SEED = propertySeed(0x0e7_2026);

function randomNumber(rng: Rng): number {
  switch (rng.int(0, 6)) {
    case 0:
      return rng.int(-1000, 1000);
    case 1:
      return rng.int(-(2 ** 53) + 1, 2 ** 53 - 1);
    case 2:
      return (rng.next() - 0.5) * 10 ** rng.int(-30, 30);
    case 3:
      return rng.pick([0, -0, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -2.5e-10]);
    case 4:
      return rng.int(0, 10) / 8;
    default:
      return rng.next() * 1000;
  }
}

function randomJson(rng: Rng, depth = 0): Json {
  const leaf = depth >= 3 || rng.chance(0.55);
  switch (leaf ? rng.int(0, 3) : rng.int(4, 5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return randomNumber(rng);
    case 3:
      return randomText(rng, 8);
    case 4:
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, Json> = {};
      for (let n = rng.int(0, 4); n > 0; n--) o[randomText(rng, 4)] = randomJson(rng, depth + 1);
      return o;
    }
  }
}

/** Text that looks like values: pieces of literals, glued at random. */
function literalish(rng: Rng): string {
  let s = "";
  for (let n = rng.int(0, 10); n > 0; n--) {
    s += rng.chance(0.3) ? JSON.stringify(randomJson(rng, 2)) : randomPiece(rng);
  }
  return s;
}

Deno.test("property: parseValue never throws and never alters text it does not read", () => {
  forAll(SEED, 5_000, (rng) => {
    const text = rng.chance(0.5) ? randomText(rng) : literalish(rng);
    const value = parseValue(text);
    JSON.stringify(value); // a Json value, whatever came in
    if (typeof value === "string" && value !== text) {
      // Only a quoted literal turns into other text: the quotes force a string.
      assert.ok(text[0] === "'" || text[0] === '"', JSON.stringify(text));
      assert.deepEqual(parseLiteral(text), { ok: true, value });
    }
  });
});

Deno.test("property: parseValue(JSON.stringify(v)) gives v back (JSON's own -0 → 0 aside)", () => {
  forAll(SEED + 1, 4_000, (rng) => {
    const v = randomJson(rng);
    const text = JSON.stringify(v);
    // JSON itself turns -0 into 0: compare with what JSON reads back.
    assert.deepEqual(parseValue(text), JSON.parse(text), text);
  });
});

/** The value with -0 as 0: Python reads JSON's -0 as the int 0, and its repr is "0". */
function withoutNegativeZero(v: Json): Json {
  if (typeof v === "number") return v === 0 ? 0 : v;
  if (Array.isArray(v)) return v.map(withoutNegativeZero);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNegativeZero(x)]));
  }
  return v;
}

Deno.test("property: parseValue reads back Python's repr of every value (-0 as 0)", () => {
  forAll(SEED + 2, 4_000, (rng) => {
    const v = randomJson(rng);
    const text = pyRepr(v);
    assert.deepEqual(parseValue(text), withoutNegativeZero(v), `${text} from ${JSON.stringify(v)}`);
  });
});

Deno.test("property: parsing start's script words only ever throws a UsageError, and keeps every word", async () => {
  const tree = buildTree();
  // The parser is async (it loads the command's module): draw the cases, then run them.
  const cases: string[][] = [];
  forAll(SEED + 3, 3_000, (rng) => {
    cases.push(Array.from({ length: rng.int(0, 6) }, () => {
      const w = rng.chance(0.5) ? literalish(rng) : randomText(rng, 6);
      return rng.chance(0.3) ? `--${w}` : rng.chance(0.1) ? "--" : w;
    }));
  });
  for (const [i, words] of cases.entries()) {
    let call;
    try {
      const parsed = await parseArgv(tree, ["procedure", "start", ...words]);
      if (parsed.kind !== "run") continue;
      call = buildCall(parsed.args, parsed.keywords, parsed.opts.kwarg as never);
    } catch (err) {
      assert.ok(err instanceof UsageError, `case ${i}: ${err} for ${JSON.stringify(words)}`);
      continue;
    }
    const used = call.args.length + Object.keys(call.kwargs).length;
    assert.ok(used <= words.length, JSON.stringify(words));
    JSON.stringify(call);
  }
});
