/** `deno task sim`: flag parsing, and the real entry point printing its URL. */

import assert from "node:assert/strict";
import { parseSimArgs, usage } from "../../sim/src/cli.ts";
import { CATALOGUE } from "../../sim/src/catalogue.ts";

Deno.test("cli: skips deno task's leading --, parses every flag", () => {
  const cmd = parseSimArgs([
    "--",
    "--port",
    "0",
    "--flavor=v7",
    "--host",
    "127.0.0.2",
    "--sbd-dir",
    "/tmp/sbds",
    "--step-ms",
    "7",
    "--latency-ms",
    "1",
    "--slow-headers-ms",
    "2",
    "--drop-stream-after",
    "3",
    "--fail-next",
    "4",
    "--fail-path",
    "^/x",
    "--fail-read",
    "2-5:/procedures/1$",
    "--malformed-json",
    "all",
    "--log",
  ]);
  assert.equal(cmd.kind, "run");
  if (cmd.kind !== "run") return;
  assert.deepEqual(cmd.options, {
    flavor: "v7",
    port: 0,
    hostname: "127.0.0.2",
    sbdDir: "/tmp/sbds",
    stepMs: 7,
    faults: {
      latencyMs: 1,
      slowHeadersMs: 2,
      dropStreamAfter: 3,
      fail500Next: 4,
      fail500Path: "^/x",
      failRead: { nth: 2, last: 5, path: "/procedures/1$" },
      malformedJson: Infinity,
    },
  });
  assert.equal(cmd.log, true);
});

Deno.test("cli: the worker, ordering and 8.0.0rc1 switches", () => {
  const cmd = parseSimArgs([
    "--flavor",
    "v8",
    "--workers",
    "0",
    "--get-lag-ms=20",
    "--stream-lag-ms",
    "50",
    "--start-500-but-runs",
    "2",
  ]);
  assert.ok(cmd.kind === "run");
  assert.equal(cmd.options.flavor, "v8");
  assert.equal(cmd.options.workers, 0);
  assert.equal(cmd.options.getLagMs, 20);
  assert.equal(cmd.options.streamLagMs, 50);
  assert.equal(cmd.options.faults?.start500ButRuns, 2);
  const all = parseSimArgs(["--start-500-but-runs", "all"]);
  assert.ok(all.kind === "run" && all.options.faults?.start500ButRuns === Infinity);
  // Unset, they take the flavour's defaults in startSimulator.
  const plain = parseSimArgs([]);
  assert.ok(plain.kind === "run");
  assert.equal("workers" in plain.options, false);
  assert.equal("getLagMs" in plain.options, false);
  for (const flag of ["--workers", "--get-lag-ms", "--stream-lag-ms", "--start-500-but-runs"]) {
    assert.ok(usage().includes(flag), flag);
    assert.throws(() => parseSimArgs([flag, "-1"]), /non-negative integer/);
  }
});

Deno.test("cli: defaults, --fast, --help and bad input", () => {
  const cmd = parseSimArgs([]);
  assert.ok(cmd.kind === "run");
  assert.equal(cmd.options.port, 5000);
  assert.equal(cmd.options.flavor, "v5");
  assert.equal(cmd.options.hostname, "127.0.0.1");
  const fast = parseSimArgs(["--fast"]);
  assert.ok(fast.kind === "run" && fast.options.stepMs === 5);
  assert.deepEqual(parseSimArgs(["--", "--help"]), { kind: "help" });
  for (const name of CATALOGUE.map((s) => s.name)) assert.ok(usage().includes(name));
  assert.throws(() => parseSimArgs(["--flavor", "v4"]), /v5, v6, v7 or v8/);
  assert.throws(() => parseSimArgs(["--port", "x"]), /non-negative integer/);
  assert.throws(() => parseSimArgs(["--fail-path", "("]), SyntaxError);
  assert.throws(() => parseSimArgs(["--bogus"]), /unknown option/);
});

Deno.test("cli: sim/main.ts prints its base URL, serves, and exits 0 on SIGINT", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      new URL("../../sim/main.ts", import.meta.url).pathname,
      "--",
      "--port",
      "0",
      "--flavor",
      "v7",
      "--fast",
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/ska-oso-oet\/oet\/api\/v7$/);
  const res = await fetch(`${url}/procedures/`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  child.kill("SIGINT");
  const status = await child.status;
  await child.stdout.cancel();
  const stderr = new TextDecoder().decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assert.equal(status.code, 0, stderr);
});
