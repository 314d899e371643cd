/**
 * Behaviour the recordings do not fully cover: the v6 and v8 flavours, abort
 * on v5, the script catalogue's failures, git environments, user SB
 * directories, and activities whose `create_env` prepare fails (server bug
 * S2 of the live runs on 7.x/8.x).
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { until as waitUntil } from "../support/wait.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function call(sim: Simulator, method: string, path: string, body?: unknown) {
  const res = await fetch(sim.baseUrl + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null as Any };
}

function procedures(sim: Simulator): string {
  return sim.flavor === "v7" || sim.flavor === "v8" ? "/procedures/" : "/procedures";
}

async function createScript(sim: Simulator, script: Any, kwargs: Any = { subarray_id: 1 }) {
  return await call(sim, "POST", procedures(sim), {
    script,
    script_args: { init: { args: [], kwargs } },
  });
}

function file(name: string) {
  return { script_type: "filesystem", script_uri: `file:///somewhere/else/${name}` };
}

async function finalState(sim: Simulator, id: number): Promise<Any> {
  await waitUntil(
    () => ["COMPLETE", "FAILED", "STOPPED"].includes(sim.state.procedure(id)?.state ?? ""),
    `procedure ${id} to finish`,
  );
  return sim.state.procedure(id);
}

async function startMain(sim: Simulator, id: number, kwargs: Any = {}) {
  await waitUntil(() => sim.state.procedure(id)?.state === "READY", `procedure ${id} READY`);
  return await call(sim, "PUT", `/procedures/${id}`, {
    state: "RUNNING",
    script_args: { main: { args: [], kwargs } },
  });
}

Deno.test("v6 flavour: 5.x shapes under /ska-oso-oet/oet/api/v6", async () => {
  const sim = startSim({ flavor: "v6", stepMs: 5 });
  try {
    assert.equal(new URL(sim.baseUrl).pathname, "/ska-oso-oet/oet/api/v6");
    const created = await createScript(sim, file("success.py"));
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json), ["procedure"]);
    assert.equal(created.json.procedure.uri, `${sim.baseUrl}/procedures/1`);
    assert.ok(!("id" in created.json.procedure));
    const missing = await call(sim, "GET", "/procedures/9");
    assert.equal(missing.json.type, "ResourceNotFound");
    const old = await fetch(`${sim.origin}/api/v1.0/procedures`);
    assert.equal(old.status, 404);
    await old.body?.cancel();
  } finally {
    await sim.close();
  }
});

for (const flavor of ["v5", "v7"] as Flavor[]) {
  Deno.test(`${flavor}: stop with abort runs abort.py for the subarray, which completes`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    try {
      await createScript(sim, file("loop.py"), { subarray_id: 3 });
      await startMain(sim, 1);
      await waitUntil(() => sim.state.procedure(1)?.state === "RUNNING", "RUNNING");
      const stop = await call(sim, "PUT", "/procedures/1", { state: "STOPPED", abort: true });
      assert.equal(stop.status, 200);
      assert.deepEqual(stop.json, {
        abort_message: "Successfully stopped script with ID 1 and aborted subarray activity",
      });
      assert.equal(sim.state.procedure(1)?.state, "STOPPED");
      const abort = await finalState(sim, 2);
      assert.equal(abort.state, "COMPLETE");
      assert.match(abort.script.uri, /^file:\/\/\/.*\/abort\.py$/);
      assert.deepEqual(abort.captures[0].args, { args: [], kwargs: { subarray_id: 3 } });
    } finally {
      await sim.close();
    }
  });
}

Deno.test("catalogue: failures end FAILED with Python-style traces", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    const cases: [Any, Any, string | undefined, RegExp, string][] = [
      [file("fail.py"), { subarray_id: 1 }, undefined, /\nException: Script failed!\n$/, "RUNNING"],
      [
        file("no_such_script.py"),
        { subarray_id: 1 },
        undefined,
        /FileNotFoundError: \[Errno 2\] No such file or directory: 'file:\/\/\/somewhere\/else\/no_such_script\.py'\n$/,
        "LOADING",
      ],
      [
        file("success_with_sb.py"),
        {},
        undefined,
        /TypeError: init\(\) missing 1 required positional argument: 'subarray_id'\n$/,
        "INITIALISING",
      ],
      [
        file("hello_world_sb.py"),
        { subarray_id: 1 },
        "start",
        /TypeError: _main\(\) missing 1 required positional argument: 'sb_json'\n$/,
        "RUNNING",
      ],
      [
        {
          script_type: "git",
          script_uri: "git://scripts/success.py",
          git_args: { git_repo: "https://example.org/unreachable/repo.git" },
        },
        {},
        undefined,
        /git\.exc\.GitCommandError: Cmd\('git'\) failed due to: exit code\(128\)\n {2}cmdline: git ls-remote -h https:\/\/example\.org\/unreachable\/repo\.git master\n/,
        "LOADING",
      ],
    ];
    let id = 0;
    for (const [script, kwargs, start, trace, before] of cases) {
      id++;
      assert.equal((await createScript(sim, script, kwargs)).status, 201);
      if (start) assert.equal((await startMain(sim, id)).status, 200);
      else if (script.script_uri.endsWith("fail.py")) await startMain(sim, id);
      const proc = await finalState(sim, id);
      assert.equal(proc.state, "FAILED", script.script_uri);
      assert.ok(proc.stacktrace.startsWith("Traceback (most recent call last):\n"));
      assert.match(proc.stacktrace, trace);
      const names = proc.history.map(([s]: [string]) => s);
      assert.equal(names[names.length - 2], before, `${script.script_uri}: ${names}`);
    }
  } finally {
    await sim.close();
  }
});

Deno.test("git scripts: create_env adds PREP_ENV; an unreachable repo with create_env is a 500", async () => {
  const sim = startSim({ flavor: "v5", stepMs: 5 });
  try {
    const ok = await createScript(sim, {
      script_type: "git",
      script_uri: "git://scripts/hello_world.py",
      create_env: true,
    });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.json.procedure.script.git_args, {
      git_branch: "master",
      git_commit: null,
      git_repo: "https://gitlab.com/ska-telescope/oso/ska-oso-scripting.git",
    });
    await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
    assert.deepEqual(sim.state.procedure(1)!.history.map(([s]) => s), [
      "CREATING",
      "IDLE",
      "PREP_ENV",
      "IDLE",
      "LOADING",
      "IDLE",
      "INITIALISING",
      "READY",
    ]);
    const bad = await createScript(sim, {
      script_type: "git",
      script_uri: "git://scripts/hello_world.py",
      create_env: true,
      git_args: { git_repo: "http://127.0.0.1:9/unreachable/repo.git", git_branch: "main" },
    });
    assert.equal(bad.status, 500);
    assert.equal(bad.json.type, "GitCommandError");
    // The failed create used up id 2.
    assert.equal(
      (await createScript(sim, file("success.py"))).json.procedure.uri.split("/").pop(),
      "3",
    );
  } finally {
    await sim.close();
  }
});

Deno.test("activities: SBDs from --sbd-dir, merged args, prepare_only, unknown ids", async () => {
  const dir = await Deno.makeTempDir();
  const sim = startSim({ flavor: "v7", stepMs: 5, sbdDir: dir });
  try {
    await Deno.writeTextFile(
      `${dir}/sbd-mine-00001.json`,
      JSON.stringify({
        sbd_id: "sbd-mine-00001",
        metadata: { version: 2 },
        activities: {
          look: {
            kind: "filesystem",
            path: "file:///my/scripts/observe_sb.py",
            function_args: {
              init: { args: [], kwargs: { subarray_id: 4 } },
              main: { args: [], kwargs: { scan_count: 2 } },
            },
          },
        },
      }),
    );
    const run = await call(sim, "POST", "/activities/", {
      sbd_id: "sbd-mine-00001",
      activity_name: "look",
      script_args: { init: { args: [], kwargs: { subarray_id: 5 } } },
      prepare_only: true,
    });
    assert.equal(run.status, 201);
    const a = run.json;
    assert.equal(a.state, "TODO");
    assert.deepEqual(a.script_args.init, { args: [], kwargs: { subarray_id: 5 } });
    assert.deepEqual(Object.keys(a.script_args.main.kwargs), ["scan_count", "sb_json", "sbi_id"]);
    assert.match(a.script_args.main.kwargs.sb_json, /^\/tmp\/tmp[a-z0-9_]{8}\.json$/);
    assert.equal(a.script_args.main.kwargs.sbi_id, a.sbi_id);
    await waitUntil(() => sim.state.procedure(a.procedure_id)?.state === "READY", "READY");
    await sim.settle();
    assert.equal(sim.state.procedure(a.procedure_id)?.state, "READY", "prepare_only: not started");
    // Samples are still found after the user's directory.
    const sample = await call(sim, "POST", "/activities/", {
      sbd_id: "sbd-t0001-20241028-00008",
      activity_name: "observe",
      script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
    });
    assert.equal(sample.status, 201);
    const observed = await finalState(sim, sample.json.procedure_id);
    assert.equal(observed.state, "COMPLETE");
    assert.equal(observed.script.type, "git");
    const unknown = await call(sim, "POST", "/activities/", {
      sbd_id: "../etc/passwd",
      activity_name: "look",
    });
    assert.equal(unknown.status, 500);
    assert.deepEqual(unknown.json, {
      detail: "The requested identifier ../etc/passwd could not be found.",
    });
  } finally {
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const GITACT = "sbd-gitact-00001";

/** An SBD whose `gitact` activity runs a git script from a repository that cannot be reached. */
async function gitactSbdDir(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/${GITACT}.json`,
    JSON.stringify({
      sbd_id: GITACT,
      metadata: { version: 1 },
      activities: {
        hello: { kind: "filesystem", path: "file:///scripts/echo_args.py", function_args: {} },
        gitact: {
          kind: "git",
          path: "git://scripts/hello_world.py",
          repo: "http://127.0.0.1:9/nothing.git",
          branch: "main",
          function_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
        },
      },
    }),
  );
  return dir;
}

for (const flavor of ["v5", "v6", "v7", "v8"] as Flavor[]) {
  Deno.test(`${flavor}: an activity whose create_env prepare fails is kept without a procedure`, async () => {
    const dir = await gitactSbdDir();
    const sim = startSim({ flavor, stepMs: 5, sbdDir: dir });
    const fastApi = flavor === "v7" || flavor === "v8";
    const activities = fastApi ? "/activities/" : "/activities";
    try {
      const hello = await call(sim, "POST", activities, { sbd_id: GITACT, activity_name: "hello" });
      assert.equal(hello.status, 201);
      const failed = await call(sim, "POST", activities, {
        sbd_id: GITACT,
        activity_name: "gitact",
        create_env: true,
        script_args: {},
      });
      assert.equal(failed.status, 500);
      const message = "'GitCommandError' object has no attribute 'id'";
      assert.deepEqual(
        failed.json,
        fastApi
          ? { detail: message }
          : { error: "500 Internal Server Error", type: "AttributeError", Message: message },
      );
      // The activity (id 2) and a procedure id were used up.
      assert.deepEqual(sim.state.activities().map((a) => [a.id, a.procedureId]), [[1, 1], [
        2,
        null,
      ]]);
      const list = await call(sim, "GET", activities);
      const one = await call(sim, "GET", "/activities/1");
      const gone = await call(sim, "GET", "/activities/2");
      assert.equal(one.status, 200);
      if (fastApi) {
        // ActivitySummary(pid=None) fails validation; the worker answers [] for good.
        assert.deepEqual(list.json, []);
        assert.equal(one.json.procedure_id, 1);
        assert.equal(gone.status, 404);
        assert.equal((await call(sim, "GET", activities)).json.length, 0);
      } else {
        const ids = list.json.activities.map((a: Any) => [a.uri.split("/").pop(), a.procedure_id]);
        assert.deepEqual(ids, [["1", 1], ["2", null]]);
        assert.equal(gone.json.activity.state, "TODO");
        assert.equal(gone.json.activity.procedure_id, null);
      }
      // The next procedure id is 3: the failed create used one up.
      const next = await createScript(sim, file("success.py"));
      assert.equal(next.status, 201);
      assert.equal(
        fastApi ? next.json.id : next.json.procedure.uri.split("/").pop(),
        fastApi ? 3 : "3",
      );
    } finally {
      await sim.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("v8 flavour: the 7.x shapes under /ska-oso-oet/oet/api/v8", async () => {
  const sim = startSim({ flavor: "v8", stepMs: 5 });
  try {
    assert.equal(new URL(sim.baseUrl).pathname, "/ska-oso-oet/oet/api/v8");
    const created = await createScript(sim, file("success.py"));
    assert.equal(created.status, 201);
    assert.equal(Object.keys(created.json)[0], "id");
    assert.equal(created.json.uri, "http://localhost/ska-oso-oet/oet/api/v8/procedures/1");
    const redirect = await fetch(`${sim.baseUrl}/procedures`, { redirect: "manual" });
    await redirect.body?.cancel();
    assert.equal(redirect.status, 307);
    assert.equal(redirect.headers.get("location"), `${sim.baseUrl}/procedures/`);
    const missing = await call(sim, "GET", "/procedures/9");
    assert.deepEqual(missing.json, { detail: "No information available for PID=9" });
    const spec = await call(sim, "GET", "/openapi.json");
    assert.ok(
      Object.keys(spec.json.paths).every((p: string) => p.startsWith("/ska-oso-oet/oet/api/v8/")),
    );
    for (const old of ["/ska-oso-oet/oet/api/v7/procedures/", "/api/v1.0/procedures"]) {
      const res = await fetch(sim.origin + old);
      await res.body?.cancel();
      assert.equal(res.status, 404, old);
    }
  } finally {
    await sim.close();
  }
});

Deno.test("v6 flavour: 6.6.0's no-slash 404, 400 for a wrong prefix, start without script_args runs", async () => {
  const sim = startSim({ flavor: "v6", stepMs: 5 });
  try {
    const slash = await call(sim, "GET", "/procedures/");
    assert.equal(slash.status, 404);
    assert.equal(slash.json.type, "Not Found");
    const prefix = await createScript(sim, {
      script_type: "filesystem",
      script_uri: "/scripts/echo_args.py",
    });
    assert.equal(prefix.status, 400);
    assert.deepEqual(prefix.json, {
      error: "400 Bad Request",
      type: "ValueError",
      Message: "Incorrect prefix for FileSystemScript: /scripts/echo_args.py",
    });
    await createScript(sim, file("echo_args_fast.py"));
    await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
    const start = await call(sim, "PUT", "/procedures/1", { state: "RUNNING" });
    assert.equal(start.status, 200);
    assert.deepEqual(start.json.procedure.script_args.main, { args: [], kwargs: {} });
    assert.equal((await finalState(sim, 1)).state, "COMPLETE");
  } finally {
    await sim.close();
  }
});
