/**
 * Scale: 200 event-stream clients at once, each receiving a whole procedure
 * lifecycle, and 1,000 procedures created concurrently (1,000 READY ones, so
 * retention keeps them all), without a single error.
 */

import assert from "node:assert/strict";
import { startSim } from "../support/sim.ts";
import { openStream, type StreamCapture } from "./sse_reader.ts";
import { until as waitUntil } from "../support/wait.ts";

const CLIENTS = 200;
const PROCEDURES = 1000;

Deno.test("scale: 200 concurrent stream clients all get every event", async () => {
  // Each open stream holds a worker, as on the real servers: a pool that big.
  const sim = startSim({ flavor: "v7", stepMs: 5, workers: CLIENTS + 10 });
  let streams: StreamCapture[] = [];
  try {
    streams = await Promise.all(
      Array.from({ length: CLIENTS }, () => openStream(`${sim.baseUrl}/stream`)),
    );
    assert.equal(sim.openStreams, CLIENTS);
    const created = await fetch(`${sim.baseUrl}/procedures/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        script: { script_type: "filesystem", script_uri: "file:///scripts/success.py" },
        script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
      }),
    });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    await sim.settle();
    const started = await fetch(`${sim.baseUrl}/procedures/1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state: "RUNNING", script_args: { main: { args: [], kwargs: {} } } }),
    });
    assert.equal(started.status, 200);
    await started.body?.cancel();
    await waitUntil(() => sim.state.procedure(1)?.state === "COMPLETE", "COMPLETE");
    const complete = (s: StreamCapture) => s.raw().includes('"new_state": "COMPLETE"');
    await waitUntil(() => streams.every(complete), "COMPLETE on every stream", 10_000);
    const expected = streams[0].events().map((e) => e.data);
    assert.ok(expected.length >= 13, `${expected.length} events`);
    for (const s of streams) assert.deepEqual(s.events().map((e) => e.data), expected);
  } finally {
    await Promise.all(streams.map((s) => s.cancel()));
    await sim.close();
  }
});

Deno.test("scale: 1,000 procedures created concurrently, all READY and listed", async () => {
  // 50 requests at a time against waitress's 4 threads (one held by the
  // stream): they queue, and every one is answered.
  const sim = startSim({ flavor: "v5", stepMs: 5 });
  let stream: StreamCapture | undefined;
  try {
    // One listener, so every event is also encoded (jsonpickle on v5).
    stream = await openStream(`${sim.baseUrl}/stream`);
    const statuses: number[] = [];
    const body = JSON.stringify({
      script: { script_type: "filesystem", script_uri: "file:///scripts/hello_world.py" },
      script_args: { init: { args: [], kwargs: { subarray_id: 1 } } },
    });
    for (let batch = 0; batch < PROCEDURES / 50; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, async () => {
        const res = await fetch(`${sim.baseUrl}/procedures`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await res.body?.cancel();
        return res.status;
      }));
      statuses.push(...answers);
    }
    assert.deepEqual(new Set(statuses), new Set([201]));
    await sim.settle(20_000);
    const res = await fetch(`${sim.baseUrl}/procedures`);
    const list = (await res.json()).procedures as { state: string; uri: string }[];
    assert.equal(list.length, PROCEDURES);
    assert.ok(list.every((p) => p.state === "READY"));
    const ids = list.map((p) => Number(p.uri.split("/").pop()));
    assert.deepEqual(ids, Array.from({ length: PROCEDURES }, (_, i) => i + 1));
    // The listener reads at its own pace: wait for it to see every create.
    // Counted as they arrive: the wait asks after every chunk of a long stream.
    let looked = 0;
    let seen = 0;
    const created = () => {
      const events = stream!.events();
      for (; looked < events.length; looked++) {
        if (events[looked].data.includes('"procedure.lifecycle.created"')) seen++;
      }
      return seen;
    };
    await waitUntil(() => created() === PROCEDURES, "1,000 created events", 20_000);
    // An exception result is a reduce of an exception type.
    const failed = stream.events().filter((e) => e.data.includes('{"py/reduce": [{"py/type"'));
    assert.deepEqual(failed, []);
    assert.ok(sim.requests.every((r) => r.status === undefined || r.status < 500));
  } finally {
    await stream?.cancel();
    await sim.close();
  }
});
