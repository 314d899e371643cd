/**
 * The servers' worker threads, as measured: waitress (v5/v6) has 4, and a
 * stream whose client left keeps its thread until the second write to it;
 * uvicorn's pool (v7/v8) has 40 and the first write frees it. Every GET, PUT
 * and POST publishes events (writes); `/openapi.json` publishes none. With
 * every worker held, requests wait unanswered, and nothing can publish the
 * events that would free them.
 *
 * The assertions use the simulator's own counts (`state.workers()`), never
 * wall-clock bounds.
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { openStream, type StreamCapture } from "./sse_reader.ts";
import { until as waitUntil } from "../support/wait.ts";

function collection(sim: Simulator, name: string): string {
  return `${sim.baseUrl}/${name}${sim.flavor === "v7" || sim.flavor === "v8" ? "/" : ""}`;
}

async function get(url: string): Promise<number> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.status;
}

async function send(url: string, method: string, body: unknown): Promise<number> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  return res.status;
}

async function openStreams(sim: Simulator, n: number): Promise<StreamCapture[]> {
  const streams: StreamCapture[] = [];
  for (let i = 0; i < n; i++) streams.push(await openStream(`${sim.baseUrl}/stream`));
  return streams;
}

/** Closes streams from the client side and waits until the server has them as dead. */
async function leave(sim: Simulator, streams: StreamCapture[]): Promise<void> {
  const before = sim.state.workers();
  await Promise.all(streams.map((s) => s.cancel()));
  // Each one is dead and still held, or already freed: writes made just
  // before the server noticed a departure count as writes after it (the
  // simulator's model of the real servers' lag), and a request's two events
  // are two writes, so a departure right after one can free the thread.
  await waitUntil(() => {
    const now = sim.state.workers();
    return now.heldByDeadStreams - before.heldByDeadStreams +
        (now.freedDeadStreams - before.freedDeadStreams) === streams.length;
  }, "the server to see the clients leave");
}

/** Lets queued microtasks (the coalesced writes to dead streams) run. */
function turn(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

for (const flavor of ["v5", "v6"] as Flavor[]) {
  Deno.test(`workers ${flavor}: 4 threads; a left stream is freed by the second event-publishing request, not the first`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    try {
      assert.equal(sim.state.workers().size, 4);
      await leave(sim, await openStreams(sim, 3));
      assert.equal(sim.openStreams, 0);
      assert.deepEqual(
        { ...sim.state.workers(), freedDeadStreams: undefined },
        {
          size: 4,
          busy: 3,
          handling: 0,
          heldByStreams: 0,
          heldByDeadStreams: 3,
          queued: 0,
          freedDeadStreams: undefined,
        },
      );
      // The first write to a closed socket still "succeeds".
      assert.equal(await get(collection(sim, "procedures")), 200);
      await turn();
      assert.equal(sim.state.workers().heldByDeadStreams, 3);
      // /openapi.json publishes nothing, so it frees nothing.
      assert.equal(await get(`${sim.baseUrl}/openapi.json`), 200);
      await turn();
      assert.equal(sim.state.workers().heldByDeadStreams, 3);
      // The second write fails: all three threads come back.
      assert.equal(await get(`${sim.baseUrl}/procedures/99`), 404);
      await turn();
      assert.equal(sim.state.workers().heldByDeadStreams, 0);
      assert.equal(sim.state.workers().freedDeadStreams, 3);
      assert.equal(sim.state.workers().busy, 0);
    } finally {
      await sim.close();
    }
  });

  Deno.test(`workers ${flavor}: 4 streams open or left behind wedge the server for good`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    const streams = await openStreams(sim, 4);
    try {
      assert.equal(sim.state.workers().heldByStreams, 4);
      const pending = fetch(collection(sim, "procedures"));
      await waitUntil(() => sim.state.workers().queued === 1, "the GET to queue");
      await leave(sim, streams);
      // Nothing can publish an event, so nothing is ever written to the dead
      // streams: the GET stays queued.
      await turn();
      assert.deepEqual(
        [sim.state.workers().heldByDeadStreams, sim.state.workers().queued],
        [4, 1],
      );
      assert.equal(sim.requests.at(-1)?.status, undefined, "the GET is unanswered");
      await sim.close();
      // Shutting down answers it.
      const res = await pending;
      await res.body?.cancel();
      assert.equal(res.status, 503);
    } finally {
      await Promise.all(streams.map((s) => s.cancel()));
      await sim.close();
    }
  });
}

Deno.test("workers v5: a running script's events free a left stream, and the queued request is answered", async () => {
  const sim = startSim({ flavor: "v5", stepMs: 2 });
  const streams = await openStreams(sim, 3);
  try {
    const body = {
      script: { script_type: "filesystem", script_uri: "file:///scripts/loop_announce.py" },
    };
    assert.equal(await send(collection(sim, "procedures"), "POST", body), 201);
    await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
    const start = { state: "RUNNING", script_args: { main: { args: [], kwargs: {} } } };
    assert.equal(await send(`${sim.baseUrl}/procedures/1`, "PUT", start), 200);
    streams.push(await openStream(`${sim.baseUrl}/stream`));
    assert.equal(sim.state.workers().heldByStreams, 4);
    const pending = fetch(collection(sim, "procedures"));
    await waitUntil(() => sim.state.workers().queued === 1, "the GET to queue");
    // loop_announce.py announces every tick: its messages after the client
    // left free the thread (how soon depends on when Deno reports the
    // departure, so the dead state in between is not asserted).
    await streams[0].cancel();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal((await res.json()).procedures.length, 1);
    assert.equal(sim.state.workers().freedDeadStreams, 1);
  } finally {
    await Promise.all(streams.map((s) => s.cancel()));
    await sim.close();
  }
});

for (const flavor of ["v7", "v8"] as Flavor[]) {
  Deno.test(`workers ${flavor}: 40 slots; one event-publishing request frees every left stream`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    try {
      assert.equal(sim.state.workers().size, 40);
      await leave(sim, await openStreams(sim, 39));
      assert.equal(sim.state.workers().heldByDeadStreams, 39);
      // A PUT (it looks the procedure up) publishes events: the first write frees all 39.
      const put = { state: "RUNNING", script_args: { main: { args: [], kwargs: {} } } };
      assert.equal(await send(`${sim.baseUrl}/procedures/99`, "PUT", put), 404);
      await turn();
      assert.equal(sim.state.workers().heldByDeadStreams, 0);
      assert.equal(sim.state.workers().freedDeadStreams, 39);
    } finally {
      await sim.close();
    }
  });

  Deno.test(`workers ${flavor}: 40 streams open or left behind wedge the server`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    const streams = await openStreams(sim, 40);
    try {
      const pending = fetch(collection(sim, "procedures"));
      await waitUntil(() => sim.state.workers().queued === 1, "the GET to queue");
      await leave(sim, streams);
      await turn();
      assert.deepEqual(
        [sim.state.workers().heldByDeadStreams, sim.state.workers().queued],
        [40, 1],
      );
      await sim.close();
      const res = await pending;
      await res.body?.cancel();
      assert.equal(res.status, 503);
    } finally {
      await Promise.all(streams.map((s) => s.cancel()));
      await sim.close();
    }
  });
}

Deno.test("workers: a POST publishes events too; `workers: Infinity` never queues", async () => {
  const sim = startSim({ flavor: "v6", stepMs: 5, workers: Infinity });
  const streams = await openStreams(sim, 10);
  try {
    assert.equal(sim.state.workers().size, Infinity);
    assert.equal(sim.state.workers().heldByStreams, 10);
    assert.equal(await get(collection(sim, "procedures")), 200);
    await leave(sim, streams);
    const body = {
      script: { script_type: "filesystem", script_uri: "file:///scripts/success.py" },
    };
    assert.equal(await send(collection(sim, "procedures"), "POST", body), 201);
    await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
    // The create's reply and the procedure's own state changes are two writes.
    assert.equal(sim.state.workers().heldByDeadStreams, 0);
    assert.equal(sim.state.workers().freedDeadStreams, 10);
  } finally {
    await Promise.all(streams.map((s) => s.cancel()));
    await sim.close();
  }
});

Deno.test("workers: a stream the server ends (7.x cut, shutdown) frees its worker at once", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5, workers: 3 });
  const streams = await openStreams(sim, 2);
  try {
    const body = {
      script: {
        script_type: "git",
        script_uri: "git://scripts/hello_world.py",
        create_env: true,
        git_args: { git_repo: "http://127.0.0.1:9/unreachable/repo.git" },
      },
    };
    // The create's reply carries an exception: 7.x closes every stream.
    assert.equal(await send(collection(sim, "procedures"), "POST", body), 500);
    assert.deepEqual(await Promise.all(streams.map((s) => s.ended)), ["cut", "cut"]);
    await waitUntil(() => sim.state.workers().busy === 0, "the workers to be free");
    assert.equal(sim.state.workers().freedDeadStreams, 0);
  } finally {
    await Promise.all(streams.map((s) => s.cancel()));
    await sim.close();
  }
});
