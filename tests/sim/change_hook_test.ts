/**
 * The simulator's change hook (`onChange`, sim/README.md): what the tests'
 * waits wake on. Each kind of change is told, and a state change GET shows
 * only later is told again when GET shows it, so a wait on GET's view needs
 * nothing else to wake it.
 */

import assert from "node:assert/strict";
import { type SimChange, startSimulator } from "../../sim/src/server.ts";
import { openStream } from "./sse_reader.ts";
import { changed, until } from "../support/wait.ts";

Deno.test("sim onChange: requests, procedures, workers and streams are told as they change", async () => {
  const told: SimChange[] = [];
  const sim = startSimulator({
    flavor: "v7",
    stepMs: 5,
    onChange: (what) => {
      told.push(what);
      changed();
    },
  });
  try {
    const stream = await openStream(`${sim.baseUrl}/stream`);
    await until(() => told.includes("stream"), "the stream's opening");
    const res = await fetch(`${sim.baseUrl}/procedures/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        script: { script_type: "filesystem", script_uri: "file:///scripts/hello_world.py" },
        script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
      }),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
    assert.ok(told.includes("request"));
    assert.ok(told.includes("workers"));
    assert.ok(told.includes("procedure"));
    await stream.cancel();
    const streams = told.filter((w) => w === "stream").length;
    // The client left: the server notices at its next write (a GET of the list).
    await (await fetch(`${sim.baseUrl}/procedures/`)).body?.cancel();
    await until(() => sim.openStreams === 0, "the stream's end");
    assert.ok(told.filter((w) => w === "stream").length > streams);
  } finally {
    await sim.close();
  }
});

Deno.test("sim onChange: a state change GET shows later is told again when GET shows it", async () => {
  // GET lags the stream by 300 ms; nothing else happens meanwhile (no stream,
  // no request), so only the hook's second call can wake the wait.
  const sim = startSimulator({ flavor: "v5", stepMs: 1, getLagMs: 300, onChange: () => changed() });
  try {
    const res = await fetch(`${sim.baseUrl}/procedures`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        script: { script_type: "filesystem", script_uri: "file:///scripts/hello_world.py" },
        script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
      }),
    });
    await res.body?.cancel();
    await until(() => sim.state.latestState(1) === "READY", "READY on the stream");
    assert.notEqual(sim.state.procedure(1)?.state, "READY", "GET does not show it yet");
    // A wait that no notification woke would fail here, saying its source does not notify.
    await until(() => sim.state.procedure(1)?.state === "READY", "GET to show READY", 5_000);
  } finally {
    await sim.close();
  }
});
