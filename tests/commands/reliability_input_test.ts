/**
 * Bad input is a usage error (exit 2) that says what is wrong, and nothing
 * reaches the server: every case runs against a simulator whose request log
 * must stay empty. Extends the cases of procedure_sim_test.ts and
 * activity_sim_test.ts (other ids, other commands, other shapes).
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import type { RunOptions, RunResult } from "../support/cli.ts";
import { type FaultRow, faultTest } from "../support/fault_matrix.ts";
import { assertNoStack } from "../support/reliability.ts";
import { withSim } from "../support/sim.ts";

type Oet = (args: string[], o?: RunOptions) => Promise<RunResult>;

/** Runs each case; each must be a one-line usage error matching its pattern. */
async function expectUsage(
  sim: Simulator,
  oet: Oet,
  row: FaultRow,
  cases: [string[], RegExp, RunOptions?][],
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const [args, cause, options] of cases) {
    const r = await oet(args, options);
    const what = `oet ${args.join(" ")}:\n${r.stderr}`;
    assert.equal(r.code, row.exit, what);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
    assert.equal(errors.length, 1, what);
    assert.match(errors[0], cause, what);
    assert.equal(r.stdout, "", what);
    assertNoStack(r.stderr);
    results.push(r);
  }
  assert.deepEqual(sim.requests, [], "nothing was sent to the server");
  return results;
}

faultTest("bad-id", async (row) => {
  await withSim("v7", async (sim, oet) => {
    const values = ["1.5", "0", "-1", "+1", "1e3", "0x10", " 1", "1_000", "", "9007199254740993"];
    const cases: [string[], RegExp][] = [];
    const commands: [string[], "pid" | "aid"][] = [
      [["procedure", "describe"], "pid"],
      [["procedure", "wait"], "pid"],
      [["procedure", "stop"], "pid"],
      [["procedure", "start"], "pid"],
      [["activity", "describe"], "aid"],
      [["activity", "wait"], "aid"],
      [["activity", "list"], "aid"],
      [["listen"], "pid"],
      [["listen"], "aid"],
    ];
    for (const [command, name] of commands) {
      for (const v of values) {
        cases.push([[...command, `--${name}=${v}`], new RegExp(`--${name}`)]);
      }
    }
    // The separate-word form too, where a negative number looks like an option.
    cases.push([["procedure", "describe", "--pid", "-4"], /--pid|unknown option '-4'/]);
    cases.push([
      ["activity", "describe", "--aid", "two"],
      /"two" for --aid: .*positive whole number/,
    ]);
    await expectUsage(sim, oet, row, cases);
  });
});

faultTest("bad-script-args", async (row) => {
  await withSim("v5", async (sim, oet) => {
    const run = (value: string): string[] => [
      "activity",
      "run",
      "observe",
      "sbd-mvp01-20200325-00001",
      `--script-args=${value}`,
    ];
    await expectUsage(sim, oet, row, [
      [run(""), /--script-args is empty/],
      [run("[1, 2]"), /--script-args must map function names/],
      [run('"main"'), /--script-args must map function names/],
      [run("{'main': None}"), /"main" must be an object/],
      [run("{'main': {'args': (1,}}"), /not valid JSON or a Python literal: .* at position \d+/],
      [run("{'main': {'args': [Nope]}}"), /unknown name "Nope"/],
      [run('{"main": {}} trailing'), /not valid JSON or a Python literal: unexpected "t"/],
      [run('{"main": {"args": "1, 2"}}'), /"main\.args" must be a list/],
      [run('{"init": {"kwargs": {"subarray_id": 1}}, "main": 3}'), /"main" must be an object/],
      [run('{"main": {"args": [], "kwargs": {}, "env": {}}}'), /"main" has "env"/],
      [run("{1: {}}"), /dict keys must be strings/],
      [run("[".repeat(50_000)), /--script-args is not valid JSON or a Python literal/],
      // Script keyword arguments that are not names.
      [["procedure", "create", "file:///scripts/x.py", "--=1"], /invalid script keyword/],
      [["procedure", "create", "file:///scripts/x.py", "--1st=a"], /invalid script keyword/],
      [
        ["procedure", "start", "--pid", "1", "--a.b=1"],
        /invalid script keyword argument "--a\.b=1"/,
      ],
    ]);
  });
});

faultTest("missing-file", async (row) => {
  await withSim("v7", async (sim, oet) => {
    const run = (value: string): string[] => [
      "activity",
      "run",
      "observe",
      "sbd-t0001-20250403-00001",
      `--script-args=${value}`,
    ];
    await expectUsage(sim, oet, row, [
      [run("@args.json"), /cannot read --script-args file "args\.json"/],
      [run("@"), /cannot read --script-args file ""/],
      // A file that is there but wrong says which file.
      [run("@bad.json"), /--script-args file bad\.json is not valid JSON/, {
        files: { "bad.json": "{main: 1}" },
      }],
    ]);
  });
});

faultTest("unknown-command", async (row) => {
  await withSim("v5", async (sim, oet) => {
    const results = await expectUsage(sim, oet, row, [
      [["procedur", "list"], /unknown command "procedur"/],
      [["activity", "rnu", "observe", "sbd-1"], /unknown command "rnu"/],
      [["procedure", "list", "--outptu", "json"], /unknown option --outptu/],
      [["activity", "list", "--aidd=1"], /unknown option --aidd/],
      [["listen", "--topik", "procedure"], /unknown option --topik/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["--sever-url", "http://x", "procedure", "list"], /unknown option --sever-url/],
    ]);
    const suggestions = results.map((r) => r.stderr.match(/did you mean (\S+)\?/)?.[1]);
    assert.deepEqual(suggestions, [
      "procedure",
      "run",
      "--output",
      "--aid",
      "--topic",
      undefined,
      "--server-url",
    ]);
  });
});

faultTest("option-typo", async (row) => {
  await withSim("v5", async (sim, oet) => {
    // Found live: `start --pdi=7` started the most recent procedure with {'pdi': 7}.
    const created = await oet(["procedure", "create", "file:///scripts/echo_args.py"]);
    assert.equal(created.code, 0, created.stderr);
    const before = sim.requests.length;
    const cases: [string[], RegExp][] = [
      [["procedure", "start", "--pdi=1"], /unknown option --pdi: did you mean --pid\?/],
      [["procedure", "start", "--pdi", "1"], /did you mean --pid\?/],
      [["procedure", "start", "--timout", "1s", "--lisen=False"], /did you mean --timeout\?/],
      [["procedure", "start", "--no-lisen"], /did you mean --no-listen\?/],
      [["procedure", "create", "git://x.py", "--git_rpeo=https://x"], /did you mean --git-repo\?/],
      [["procedure", "create", "file:///x.py", "--ouptut=json"], /did you mean --output\?/],
    ];
    for (const [args, cause] of cases) {
      const r = await oet(args);
      const what = `oet ${args.join(" ")}:\n${r.stderr}`;
      assert.equal(r.code, row.exit, what);
      assert.match(r.stderr, cause, what);
      assert.match(r.stderr, /hint: nothing was sent\. .*--kwarg/, what);
      assertNoStack(r.stderr);
    }
    assert.equal(sim.requests.length, before, "nothing was sent to the server");
    // The explicit form does send such a name.
    const sent = await oet(["procedure", "start", "--kwarg", "pdi=1", "--listen=False"]);
    assert.equal(sent.code, 0, sent.stderr);
    const put = sim.requests.find((q) => q.method === "PUT");
    assert.deepEqual(JSON.parse(put!.body!).script_args.main, { args: [], kwargs: { pdi: 1 } });
  });
});

faultTest("bad-url", async (row) => {
  await withSim("v5", async (sim, oet) => {
    const here = sim.origin; // the simulator itself: a request would show in its log
    const list = ["procedure", "list"];
    const flag = (url: string) => ["--server-url", url, ...list];
    await expectUsage(sim, oet, row, [
      [flag("not a url"), /invalid server URL "not a url" \(from --server-url\)/],
      [flag("http://"), /invalid server URL "http:\/\/"/],
      [flag("127.0.0.1:5000/api/v1.0"), /invalid server URL "127\.0\.0\.1:5000\/api\/v1\.0"/],
      [flag("file:///etc/passwd"), /"file:\/\/\/etc\/passwd" \(from --server-url\) is not http/],
      [flag("javascript:alert(1)"), /is not http:\/\/ or https:\/\//],
      [flag(`${here}/api/v1.0?debug=1`), /must not have a query or fragment/],
      [flag(`${here}/api/v1.0#top`), /must not have a query or fragment/],
      [flag("http://[::1/api"), /invalid server URL/],
      [list, /"ws:\/\/host\/api" \(from OET_REST_URI in the environment\)/, {
        env: { OET_REST_URI: "ws://host/api" },
      }],
      [list, /"gopher:\/\/x" \(from OET_URL in the environment\)/, {
        env: { OET_REST_URI: undefined, OET_URL: "gopher://x" },
      }],
      [list, /"http:\/\/\[bad" \(from OET_REST_URI in \.env\)/, {
        env: { OET_REST_URI: undefined },
        files: { ".env": "OET_REST_URI=http://[bad\n" },
      }],
      // A good server and a bad setting elsewhere: still nothing sent.
      [[...list, "--request-timeout", "-5s"], /--request-timeout/],
      [list, /OET_RECONNECT_TIMEOUT in \.env/, {
        files: { ".env": "OET_RECONNECT_TIMEOUT=0\n" },
      }],
    ]);
  });
});
