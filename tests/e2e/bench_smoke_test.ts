/**
 * The benchmark (`deno task bench`, scripts/bench.ts) is not a test and CI
 * times nothing; this only runs it with `--quick` (tiny sizes) so that it
 * cannot rot: it must end with status 0 and print every table. No timing is
 * ever checked.
 */

import assert from "node:assert/strict";
import { baseEnv } from "../support/spawn.ts";

const BENCH = new URL("../../scripts/bench.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("bench: --quick runs every case and prints the tables", async () => {
  // A fresh DENO_DIR fetches esbuild for `deno bundle`: keep the CA and proxy variables.
  const env = baseEnv({}, { network: true });
  if (!env.DENO_DIR) delete env.DENO_DIR;
  const out = await new Deno.Command(Deno.execPath(), {
    // As `deno task bench -- --quick` runs it, `--` included.
    args: ["run", "-A", "--v8-flags=--expose-gc", BENCH, "--", "--quick"],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `bench failed:\n${stderr}`);
  for (
    const title of [
      "### 1. Start-up",
      "### 2. Round trip",
      "### 3. Stream throughput",
      "### 4. Memory",
      "### 5. Render scaling",
      "### Goals",
    ]
  ) {
    assert.ok(stdout.includes(title), `no "${title}" in:\n${stdout}`);
  }
  assert.match(stdout, /^\| command +\| +median \| +min \| +max \| × floor \|$/m);
  assert.match(stdout, /^\| `oet listen -o jsonl`, 7\.x +\|/m);
});
