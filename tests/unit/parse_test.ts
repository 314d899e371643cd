/**
 * The command-line parser against the real command tree: the reference
 * doc's spellings, and the findings that a typo could start the wrong thing
 * (each of these failed with the commander-based layer).
 */

import assert from "node:assert/strict";
import { parseArgv, type Parsed } from "../../src/cli/parse.ts";
import { buildTree } from "../../src/cli/root.ts";
import { buildCall } from "../../src/commands/framework/call_args.ts";
import { UsageError } from "../../src/domain/errors.ts";

const tree = buildTree();

async function run(...argv: string[]): Promise<Extract<Parsed, { kind: "run" }>> {
  const p = await parseArgv(tree, argv);
  assert.equal(p.kind, "run", `${argv.join(" ")} → ${p.kind}`);
  return p as Extract<Parsed, { kind: "run" }>;
}

async function usage(argv: string[], message: RegExp, hint?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await parseArgv(tree, argv);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UsageError, `${argv.join(" ")}: expected a usage error`);
  assert.match(caught.message, message);
  if (hint) assert.match(caught.hint ?? "", hint);
}

function call(p: Awaited<ReturnType<typeof run>>) {
  return buildCall(
    p.args.slice(p.command.name === "create" ? 1 : 0),
    p.keywords,
    p.opts.kwarg as never,
  );
}

Deno.test("the reference doc's spellings: --pid=2, --pid 2, _ and -, Python booleans, kwargs after the URI", async () => {
  const c = await run("procedure", "create", "file://test.py", "hello", "--verbose=true");
  assert.equal(c.args[0], "file://test.py");
  assert.deepEqual(call(c), { args: ["hello"], kwargs: { verbose: true } });

  const s = await run("procedure", "start", "--pid=2", "bob", "--simulate=false");
  assert.equal(s.opts.pid, 2);
  assert.deepEqual(call(s), { args: ["bob"], kwargs: { simulate: false } });
  assert.equal((await run("procedure", "list", "--pid", "2")).opts.pid, 2);

  assert.equal((await run("procedure", "stop", "--run_abort=False")).opts.runAbort, false);
  assert.equal((await run("procedure", "stop", "--run-abort", "False")).opts.runAbort, false);
  assert.equal((await run("procedure", "stop")).opts.runAbort, true);
  assert.equal((await run("procedure", "start", "--listen=False")).opts.listen, false);
  assert.equal((await run("procedure", "start", "--no-listen")).opts.listen, false);
  assert.equal((await run("procedure", "start", "--listen", "True")).opts.listen, true);
  // A bare flag does not swallow a word that is not a boolean.
  const bare = await run("procedure", "start", "--listen", "bob");
  assert.equal(bare.opts.listen, true);
  assert.deepEqual(bare.args, ["bob"]);

  const g = await run(
    "procedure",
    "create",
    "git://test3.py",
    '--git_repo="http://foo.git"',
    "--git_branch=test",
    "--create_env=True",
  );
  assert.equal(g.opts.gitRepo, '"http://foo.git"');
  assert.equal(g.opts.gitBranch, "test");
  assert.equal(g.opts.createEnv, true);

  const a = await run(
    "activity",
    "run",
    "observe",
    "sbd-123",
    "--prepare-only=True",
    "--create-env",
  );
  assert.deepEqual(a.args, ["observe", "sbd-123"]);
  assert.equal(a.opts.prepareOnly, true);
  assert.equal(a.opts.createEnv, true);
  assert.equal((await run("activity", "describe", "--aid=1")).opts.aid, 1);
});

Deno.test("script keywords: --k=v, --k v, bare --flag, negative numbers, hyphens, and --", async () => {
  const p = await run(
    "procedure",
    "start",
    "hello",
    "--subarray_id",
    "3",
    "--my-param=1",
    "--dry-run",
    "--offset=-1",
    "--name=a=b",
    "--neg",
    "-5",
    "--pid",
    "4",
    "--",
    "--literal",
  );
  assert.equal(p.opts.pid, 4);
  assert.deepEqual(call(p), {
    args: ["hello", "--literal"],
    kwargs: { subarray_id: 3, my_param: 1, dry_run: true, offset: -1, name: "a=b", neg: -5 },
  });
  // A keyword followed by one of oet's options is a bare flag, not that option's word.
  const q = await run("procedure", "start", "--verbose", "--pid", "3", "bob");
  assert.deepEqual(call(q), { args: ["bob"], kwargs: { verbose: true } });
});

Deno.test("a near-miss of an option never reaches the script: usage error with did-you-mean", async () => {
  // Found live: this warned, started procedure 8 with {'pdi': 7}, and exited 0.
  await usage(
    ["procedure", "start", "--pdi=7"],
    /unknown option --pdi: did you mean --pid\?/,
    /--kwarg/,
  );
  await usage(["procedure", "start", "--pdi", "7"], /did you mean --pid\?/);
  await usage(["procedure", "start", "--timout", "1s"], /did you mean --timeout\?/);
  await usage(["procedure", "start", "--lisen=False"], /did you mean --listen\?/);
  await usage(["procedure", "start", "--no-lisen"], /did you mean --no-listen\?/);
  await usage(
    ["procedure", "create", "git://x.py", "--git_rpeo=https://x"],
    /did you mean --git-repo\?/,
  );
  await usage(
    ["procedure", "create", "file:///x.py", "--server-ulr=http://x"],
    /did you mean --server-url\?/,
  );
  await usage(["procedure", "start", "--ouptut", "json"], /did you mean --output\?/);
  // Commands without script keywords: the reference doc's own form `--pdi=2` too.
  await usage(["procedure", "list", "--pdi=2"], /unknown option --pdi: did you mean --pid\?/);
  await usage(["procedure", "list", "--pdi", "2"], /did you mean --pid\?/);
  await usage(["activity", "describe", "--adi=1"], /did you mean --aid\?/);
});

Deno.test("--kwarg sends a keyword named like an oet option; the same keyword twice is refused", async () => {
  const p = await run(
    "procedure",
    "start",
    "--kwarg",
    "timeout=30",
    "--kwarg=pid=2",
    "--listen=False",
  );
  assert.equal(p.opts.listen, false);
  assert.equal(p.opts.pid, undefined);
  assert.deepEqual(call(p), { args: [], kwargs: { timeout: 30, pid: 2 } });
  await usage(["procedure", "start", "--kwarg", "nonsense"], /expected NAME=VALUE/);
  const twice = await run(
    "procedure",
    "create",
    "file:///x.py",
    "--subarray_id=3",
    "--subarray-id=4",
  );
  assert.throws(() => call(twice), /subarray_id was given twice/);
  const viaKwarg = await run("procedure", "start", "--x=1", "--kwarg", "x=2");
  assert.throws(() => call(viaKwarg), /x was given twice/);
  await usage(["procedure", "list", "--pid", "2", "--pid", "3"], /--pid was given twice/);
});

Deno.test("booleans take only the documented spellings, and say which", async () => {
  for (const v of ["yes", "no", "0", "1", "on", "TRUE"]) {
    await usage(
      ["activity", "run", "a", "b", `--prepare-only=${v}`],
      /expected True or False/,
      /true\/false/,
    );
  }
  await usage(["procedure", "start", "--no-listen=True"], /takes no value/);
  // As a script keyword, any value is the script's business.
  assert.deepEqual(call(await run("procedure", "start", "--flag=yes")).kwargs, { flag: "yes" });
});

Deno.test("None means no value where the reference doc's default is None", async () => {
  const g = await run("procedure", "create", "git://x.py", "--git_commit=None");
  assert.equal(g.opts.gitCommit, undefined);
  assert.equal((await run("procedure", "list", "--pid=None")).opts.pid, undefined);
  assert.equal((await run("activity", "list", "--aid", "null")).opts.aid, undefined);
  assert.equal(
    (await run("activity", "run", "a", "b", "--script-args=None")).opts.scriptArgs,
    undefined,
  );
});

Deno.test("values are checked before anything is sent", async () => {
  await usage(
    ["procedure", "list", "--pid=0"],
    /invalid value "0" for --pid: expected a positive whole number/,
  );
  await usage(["procedure", "list", "--pid"], /--pid needs a value/);
  await usage(["procedure", "list", "-o", "yaml"], /expected one of table, json, jsonl, id/);
  await usage(["procedure", "start", "--timeout", "soon"], /expected a duration/);
  assert.equal((await run("procedure", "list", "-ojson")).opts.output, "json");
  assert.deepEqual((await run("procedure", "start", "--timeout", "1ms")).opts.timeout, {
    ms: 1,
    text: "1 ms",
  });
  assert.deepEqual((await run("procedure", "start", "--timeout", "5")).opts.timeout, {
    ms: 5000,
    text: "5 s",
  });
});

Deno.test("the reference doc's unquoted --script-args gets a hint to quote it", async () => {
  // What bash makes of: --script-args={"init": {"args": [1, "foo"], "kwargs": {"foo": "bar"}}}
  await usage(
    [
      "activity",
      "run",
      "allocate",
      "sbd-123",
      "--script-args={init:",
      "{args:",
      "[1,",
      "foo],",
      "kwargs:",
      "{foo:",
      "bar}}}",
    ],
    /unexpected arguments/,
    /put it in single quotes/,
  );
});

Deno.test("global options anywhere; unknown commands named with a suggestion", async () => {
  const p = await run(
    "procedure",
    "start",
    "bob",
    "--server-url",
    "http://h:5000/api/v1.0",
    "--x=1",
  );
  assert.equal(p.globals.serverUrl, "http://h:5000/api/v1.0");
  assert.deepEqual(call(p), { args: ["bob"], kwargs: { x: 1 } });
  assert.equal(
    (await run("--server-url=http://h/api/v1.0", "procedure", "list")).globals.serverUrl,
    "http://h/api/v1.0",
  );
  await usage(
    ["procedure", "lsit"],
    /unknown command "lsit" for "oet procedure": did you mean list\?/,
  );
  await usage(
    ["procdure", "list"],
    /unknown command "procdure" for "oet": did you mean procedure\?/,
  );
  await usage(["procedure", "create"], /missing argument <script-uri>/);
  await usage(["activity", "run", "observe"], /missing argument <sbd-id>/);
});

Deno.test("help: --help anywhere, a group alone, and -V at the top", async () => {
  assert.equal((await parseArgv(tree, [])).kind, "help");
  assert.equal((await parseArgv(tree, ["procedure"])).kind, "help");
  const h = await parseArgv(tree, ["procedure", "start", "--pid", "2", "--help"]);
  assert.equal(h.kind, "help");
  assert.deepEqual(h.kind === "help" && h.path.map((n) => n.name), ["oet", "procedure", "start"]);
  assert.equal((await parseArgv(tree, ["-V"])).kind, "version");
  await usage(["procedure", "list", "-V"], /unknown option -V/);
});
