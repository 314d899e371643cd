/**
 * `oet status` against the simulator in every flavour: the server and its
 * generation, the running procedure with its activity and elapsed time, the
 * recent procedures and activities (golden files), `-o json`, exit 0 with a
 * FAILED procedure about, no event stream unless `--message-wait` asks for
 * the running script's next message (and then the server's thread freed),
 * and the 7.x/8.x activity list that empties (read by id).
 */

import assert from "node:assert/strict";
import type { Flavor } from "../../sim/src/flavor.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { assertGolden } from "../support/golden.ts";
import { normalize, withSim } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const ALL: readonly Flavor[] = ["v5", "v6", "v7", "v8"];
const SBD = "sbd-t0001-20250403-00001";

/**
 * The sample SB with one more activity, `survey`, whose script announces
 * until stopped (so that an activity's procedure can be RUNNING); and, for
 * the 7.x list that empties, `gitact`, a git script from a repository that
 * cannot be reached.
 */
async function sbdDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "oet-status-sbd-" });
  const sb = JSON.parse(
    await Deno.readTextFile(new URL(`../../sim/src/sbds/${SBD}.json`, import.meta.url)),
  );
  const init = { init: { args: [], kwargs: { subarray_id: 1 } }, main: { args: [], kwargs: {} } };
  sb.activities.survey = {
    kind: "filesystem",
    path: "file:///scripts/loop_announce.py",
    function_args: init,
  };
  sb.activities.gitact = {
    kind: "git",
    path: "git://scripts/allocate_from_file_sb.py",
    repo: "http://127.0.0.1:9/unreachable.git",
    branch: "master",
    commit: null,
    function_args: init,
  };
  await Deno.writeTextFile(`${dir}/${SBD}.json`, JSON.stringify(sb));
  return dir;
}

/** Times, elapsed times and loop counts vary from run to run. */
function stable(text: string, sim: Simulator): string {
  return normalize(text, sim)
    .replace(/ for \d+s /g, " for Ns ")
    .replace(/loop iteration \d+/g, "loop iteration N")
    .replace(/\(at \d\d:\d\d:\d\d\.\d{3} UTC\)/g, "(at HH:MM:SS.mmm UTC)");
}

type Oet = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * Activity 1 (hello) COMPLETE with procedure 1; procedure 2 FAILED; activity
 * 2 (survey) RUNNING with procedure 3.
 */
async function busyServer(sim: Simulator, oet: Oet): Promise<void> {
  const hello = await oet(["activity", "run", "hello", SBD]);
  assert.equal(hello.code, 0, hello.stderr);
  await oet(["procedure", "create", "file:///scripts/fail.py"]);
  await sim.settle();
  assert.equal((await oet(["procedure", "start", "--pid", "2"])).code, 3);
  const survey = await oet(["activity", "run", "survey", SBD, "--listen=False"]);
  assert.equal(survey.code, 0, survey.stderr);
  await until(() => sim.state.procedure(3)?.state === "RUNNING", "procedure 3 RUNNING");
}

const streams = (sim: Simulator) => sim.requests.filter((q) => q.path.endsWith("/stream"));

for (const flavor of ALL) {
  Deno.test(`${flavor}: status of an idle server: nothing running, no procedures, no activities`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await oet(["status"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      const generation = {
        v5: "OET 5.x",
        v6: "OET 6.x",
        v7: "OET 7.x or later",
        v8: "OET 7.x or later",
      };
      assert.equal(
        r.stdout,
        `Server:   ${sim.baseUrl} (${
          generation[flavor]
        })\nRunning:  nothing\n\nProcedures: none\n\nActivities: none\n`,
      );
      assert.deepEqual(streams(sim), [], "no event stream");
    });
  });

  Deno.test(`${flavor}: status while an activity's procedure runs, a FAILED one about: exit 0 (golden)`, async () => {
    const dir = await sbdDir();
    try {
      await withSim(flavor, async (sim, oet) => {
        await busyServer(sim, oet);
        const before = sim.requests.length;
        const r = await oet(["status"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "");
        assertGolden(`status/${flavor}-running`, stable(r.stdout, sim));
        // Fast: two list reads, no stream.
        const sent = sim.requests.slice(before);
        assert.deepEqual(sent.map((q) => q.method), ["GET", "GET"], "two list reads, no stream");
      }, { stepMs: 5, sbdDir: dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${flavor}: status -o json: the server, the running procedure and its activity, the recent work`, async () => {
    const dir = await sbdDir();
    try {
      await withSim(flavor, async (sim, oet) => {
        await busyServer(sim, oet);
        const r = await oet(["status", "-o", "json"]);
        assert.equal(r.code, 0, r.stderr);
        const s = JSON.parse(r.stdout);
        assert.deepEqual(Object.keys(s), [
          "server",
          "context",
          "telescope",
          "protected",
          "source",
          "running",
          "starting",
          "last_message",
          "last_message_note",
          "procedure_count",
          "procedures",
          "activity_count",
          "activities",
        ]);
        assert.equal(s.server.url, sim.baseUrl);
        assert.equal(s.server.generation, { v5: "5", v6: "6", v7: "7+", v8: "7+" }[flavor]);
        assert.equal(s.running.procedure.id, 3);
        assert.equal(s.running.procedure.state, "RUNNING");
        assert.equal(typeof s.running.elapsed_seconds, "number");
        assert.equal(s.running.activity.id, 2);
        assert.equal(s.running.activity.derived_state, "RUNNING");
        assert.equal(s.last_message, null);
        assert.match(
          s.last_message_note,
          /^not known: the OET keeps no history of script messages;/,
        );
        assert.deepEqual(s.procedures.map((p: { state: string }) => p.state), [
          "COMPLETE",
          "FAILED",
          "RUNNING",
        ]);
        assert.deepEqual(
          s.activities.map((a: { id: number; derived_state: string }) => [a.id, a.derived_state]),
          [[1, "COMPLETE"], [2, "RUNNING"]],
        );
        assert.equal(s.procedure_count, 3);
        assert.equal(s.activity_count, 2);
      }, { stepMs: 5, sbdDir: dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${flavor}: status --message-wait catches the running script's next message, then frees the stream`, async () => {
    const dir = await sbdDir();
    try {
      await withSim(flavor, async (sim, oet) => {
        const idle = await oet(["status", "--message-wait", "5s"]);
        assert.equal(idle.code, 0, idle.stderr);
        assert.deepEqual(streams(sim), [], "nothing runs: nothing to listen for");
        await busyServer(sim, oet);
        const r = await oet(["status", "--message-wait", "20s"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          stable(r.stdout, sim),
          /\nMessage: {2}loop iteration N \(at HH:MM:SS\.mmm UTC\)\n/,
        );
        await until(
          () => sim.openStreams === 0 && sim.state.workers().heldByDeadStreams === 0,
          "the stream's thread to be freed",
        );
        const j = JSON.parse((await oet(["status", "--message-wait", "20s", "-o", "json"])).stdout);
        assert.match(j.last_message.text, /^loop iteration \d+$/);
        assert.equal(j.last_message_note, null);
      }, { stepMs: 5, sbdDir: dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const flavor of ["v7", "v8"] as Flavor[]) {
  Deno.test(`${flavor}: status when the activity list has emptied for good (S2): the newest read by id`, async () => {
    const dir = await sbdDir();
    try {
      await withSim(flavor, async (sim, oet) => {
        await busyServer(sim, oet);
        await oet(["procedure", "stop", "--pid", "3", "--run_abort=False"]);
        const g = await oet(["activity", "run", "gitact", SBD, "--create-env=True"]);
        assert.equal(g.code, 1, g.stderr);
        const listed = await oet(["activity", "list", "-o", "json"]);
        assert.deepEqual(JSON.parse(listed.stdout).map((a: { id: number }) => a.id), [1, 2]);
        const r = await oet(["status", "-o", "json"]);
        assert.equal(r.code, 0, r.stderr);
        const s = JSON.parse(r.stdout);
        assert.deepEqual(s.activities.map((a: { id: number }) => a.id), [1, 2]);
        assert.equal(s.activity_count, null, "not known: read by id");
        const t = await oet(["status"]);
        assert.match(t.stdout, /\nActivities: the 2 most recent, read one by one \(.*S2.*\)\n/);
      }, { stepMs: 5, sbdDir: dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
