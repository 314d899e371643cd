/**
 * The loops that stand in for regular expressions on start-up's path (no
 * regex runs for `procedure list`: the first one of a process is compiled
 * there and then). Each is held to the regex it replaced.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { apiMajor } from "../../src/api/client.ts";
import { isMissingFileError } from "../../src/domain/files.ts";
import { isDigits, trimTrailingSlashes } from "../../src/domain/text.ts";

/** Strings over `alphabet`, up to `max` characters. */
function strings(alphabet: string[], max = 12) {
  return fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((cs) => cs.join(""));
}

Deno.test("trimTrailingSlashes is s.replace(/\\/+$/, '')", () => {
  for (const s of ["", "/", "//", "/a", "/a/", "/a//", "a/b/c", "http://h:5000/api/v1.0/"]) {
    assert.equal(trimTrailingSlashes(s), s.replace(/\/+$/, ""), JSON.stringify(s));
  }
  fc.assert(
    fc.property(strings(["/", "a", "\\", " ", "é", "\n"]), (s) => {
      assert.equal(trimTrailingSlashes(s), s.replace(/\/+$/, ""));
    }),
    { numRuns: 5000 },
  );
});

Deno.test("isDigits is /^\\d+$/", () => {
  fc.assert(
    fc.property(strings(["0", "7", "9", "a", " ", ".", "-", "١", "\n"]), (s) => {
      assert.equal(isDigits(s), /^\d+$/.test(s), JSON.stringify(s));
    }),
    { numRuns: 5000 },
  );
});

Deno.test("apiMajor captures what /\\/api\\/v(\\d+)(?:\\.\\d+)?\\/*$/ does", () => {
  const regex = (p: string) => p.match(/\/api\/v(\d+)(?:\.\d+)?\/*$/)?.[1];
  for (
    const p of [
      "/api/v1.0",
      "/ska-oso-oet/oet/api/v6",
      "/ska-oso-oet/oet/api/v7/",
      "/api/v8//",
      "/api/v01",
      "/api/v7.1.2",
      "/api/v",
      "/api/v1.",
      "/api/v1.0x",
      "/api/vx/api/v7",
      "/api/v7/x",
      "",
    ]
  ) assert.equal(apiMajor(p), regex(p), p);
  fc.assert(
    fc.property(strings(["/api/v", "/", "1", "0", "7", ".", "x", "api", "v"], 8), (p) => {
      assert.equal(apiMajor(p), regex(p), JSON.stringify(p));
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("isMissingFileError is /NotFound|No such file|os error 2/i on name and message", () => {
  const regex = (e: Error) => /NotFound|No such file|os error 2/i.test(`${e.name} ${e.message}`);
  const real = (() => {
    try {
      Deno.readTextFileSync("/no/such/file/here");
    } catch (err) {
      return err as Error;
    }
  })()!;
  assert.ok(isMissingFileError(real) && regex(real));
  assert.equal(isMissingFileError("NotFound"), false); // not an Error
  fc.assert(
    fc.property(
      strings([
        "NotFound",
        "notfound",
        "No such file",
        "NO SUCH FILE",
        "os error 2",
        "os error 20",
        "x",
        " ",
        "İ",
        "K",
      ], 4),
      strings(["Error", "NotFound", "PermissionDenied", "x"], 2),
      (message, name) => {
        const err = new Error(message);
        err.name = name;
        assert.equal(isMissingFileError(err), regex(err), JSON.stringify([name, message]));
      },
    ),
    { numRuns: 5000 },
  );
});
