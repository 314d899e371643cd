/**
 * Stalls and silences while a command waits: a procedure that never leaves
 * CREATING (the recorded 5.4.0 race) ends `activity run` with exit 1 after
 * `--prepare-timeout`; a long, quiet observation (no events, stream open and
 * idle, longer than the reconnect window) is waited for to the end.
 */

import assert from "node:assert/strict";
import { runOet } from "../support/cli.ts";
import { faultTest } from "../support/fault_matrix.ts";
import { HttpDouble, json, recorded } from "../support/http_double.ts";
import { changed, until } from "../support/wait.ts";
import { assertCleanError } from "../support/reliability.ts";
import { fixtureDir, readTranscript } from "../support/transcripts.ts";

const V5 = fixtureDir("v5.4.0");
const RACE = new URL("race-condition-run/", V5);

faultTest("stuck-creating-run", async (row) => {
  const empty = readTranscript(V5, "01-get-procedures-empty.txt").responses[0];
  const run = readTranscript(RACE, "10a-post-activity-run.txt").responses[0];
  const creating = readTranscript(RACE, "10c-get-procedure-of-activity-1.txt").responses[0];
  const server = new HttpDouble([
    { url: "/api/v1.0/procedures", respond: recorded(empty), reusable: true },
    { method: "POST", url: "/api/v1.0/activities", respond: recorded(run) },
    // Procedure 20 stays CREATING with an empty history, as recorded, for ever.
    { url: "/api/v1.0/procedures/20", respond: recorded(creating), reusable: true },
  ]).eventStream().listen();
  try {
    const started = performance.now();
    const r = await runOet(
      ["activity", "run", "allocate", "sbd-mvp01-20200325-00001", "--prepare-timeout", "1s"],
      { env: { OET_REST_URI: `${server.origin}/api/v1.0` } },
    );
    const ms = performance.now() - started;
    assertCleanError({ ...r, stdout: "" }, {
      code: row.exit,
      cause:
        /^error: procedure 20 has not started running 1 s after the start request \(it is CREATING\)$/,
      hint: /a known OET race leaves procedures in CREATING/,
    });
    // The row was shown before the wait; the stall ends the wait, not a hang.
    assert.match(r.stdout, /^ +1 +allocate +sbd-mvp01-20200325-00001 .* 20 +REQUESTED$/m);
    assert.ok(ms >= 1_000, `waited the whole --prepare-timeout (${ms} ms)`);
    assert.ok(ms < 5_000, `the stall was reported soon after --prepare-timeout (${ms} ms)`);
    assert.equal(server.requests.filter((q) => q.method === "POST").length, 1);
  } finally {
    await server.close();
  }
});

/** A 7.x procedure summary as the server sends it. */
function procedure(state: string, runs: number): Record<string, unknown> {
  const states: [string, number][] = [["CREATING", 1795477633.04679], ["READY", 1795477633.55]];
  for (let i = 0; i < runs; i++) states.push(["RUNNING", 1795477640 + i]);
  if (state !== "READY" && state !== "RUNNING") states.push([state, 1795477700]);
  return {
    id: 1,
    script: { script_uri: "file:///srv/oet/scripts7/observe.py", script_type: "filesystem" },
    script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
    history: { process_states: states, stacktrace: null },
    state,
    uri: "http://localhost/ska-oso-oet/oet/api/v7/procedures/1",
  };
}

faultTest("quiet-observation", async (row) => {
  let state = "READY";
  const base = "/ska-oso-oet/oet/api/v7";
  const unknownActivity =
    readTranscript(fixtureDir("v7.0.0"), "09o-get-unknown-activity-id.txt").responses[0];
  const server = new HttpDouble([
    // No activities: the list is empty, and (7.x's list may lie, S2) no id is known.
    { url: `${base}/activities/`, respond: json([]), reusable: true },
    {
      url: new RegExp(`${base}/activities/\\d+$`),
      respond: recorded(unknownActivity),
      reusable: true,
    },
    {
      url: `${base}/procedures/1`,
      respond: () => json(procedure(state, state === "READY" ? 0 : 1)),
      reusable: true,
    },
    {
      method: "PUT",
      url: `${base}/procedures/1`,
      respond: () => {
        // The OET answers a start with the summary before the run begins.
        const answer = json(procedure("READY", 0));
        state = "RUNNING";
        changed();
        queueMicrotask(() =>
          server.emit({ msg_src: "1", new_state: "RUNNING", topic: statechange })
        );
        return answer;
      },
    },
  ]).eventStream().listen();
  const statechange = "procedure.lifecycle.statechange";
  try {
    const pending = runOet(["procedure", "start", "--pid", "1"], {
      env: { OET_REST_URI: `${server.origin}${base}`, OET_RECONNECT_TIMEOUT: "300ms" },
    });
    await until(() => state === "RUNNING", "the start");
    // Four reconnect windows of silence: no event, no byte, the stream open.
    const quietMs = 1_200;
    await new Promise((r) => setTimeout(r, quietMs));
    assert.equal(server.openStreams, 1, "still subscribed after the silence");
    state = "COMPLETE";
    server.emit({ msg_src: "1", new_state: "COMPLETE", topic: statechange });
    const r = await pending;
    assert.equal(r.code, row.exit, r.stderr);
    assert.match(r.stdout, /- State: RUNNING\n- State: COMPLETE\n$/);
    assert.doesNotMatch(r.stderr, /reconnect|retrying|error/);
    assert.equal(server.requests.filter((q) => q.path.endsWith("/stream")).length, 1);
  } finally {
    await server.close();
  }
});
