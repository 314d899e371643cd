/**
 * When events reach the stream compared with when GET shows the state they
 * announce. Measured on 6.6.0 and 7.0.0: the events of a short script are on
 * the stream before GET shows it COMPLETE, and GET never shows RUNNING for a
 * `main` that returns at once. `streamLagMs` turns the order round (a proxy or
 * a loaded server holding the stream back).
 *
 * Each assertion is made while a lag far longer than the test holds the
 * other side back, so it does not depend on how fast the machine is.
 */

import assert from "node:assert/strict";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { openStream, type StreamCapture } from "./sse_reader.ts";
import { until as waitUntil } from "../support/wait.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Far longer than any test runs: the lagging side never catches up within it. */
const HELD_BACK_MS = 60_000;

function collection(sim: Simulator): string {
  return `${sim.baseUrl}/procedures${sim.flavor === "v7" || sim.flavor === "v8" ? "/" : ""}`;
}

async function send(url: string, method: string, body?: unknown): Promise<Any> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  return json.procedure ?? json;
}

function createFast(sim: Simulator): Promise<Any> {
  return send(collection(sim), "POST", {
    script: { script_type: "filesystem", script_uri: "file:///scripts/echo_args_fast.py" },
    script_args: { init: { args: ["fast"], kwargs: { subarray_id: 1 } } },
  });
}

function start(sim: Simulator, pid: number): Promise<Any> {
  return send(`${sim.baseUrl}/procedures/${pid}`, "PUT", {
    state: "RUNNING",
    script_args: { main: { args: ["bob"], kwargs: { simulate: false } } },
  });
}

function get(sim: Simulator, pid: number): Promise<Any> {
  return send(`${sim.baseUrl}/procedures/${pid}`, "GET");
}

/** The states of `pid` the stream has delivered, in order. */
function streamed(stream: StreamCapture, pid: number): string[] {
  return stream.events()
    .map((e) => JSON.parse(e.data))
    .filter((d) => d.topic === "procedure.lifecycle.statechange" && d.msg_src === String(pid))
    .map((d) => d.new_state?.["py/reduce"]?.[1]?.["py/tuple"]?.[1] ?? d.new_state);
}

function announced(stream: StreamCapture): string[] {
  return stream.events().map((e) => JSON.parse(e.data)).filter((d) => d.topic === "script.announce")
    .map((d) => d.msg);
}

for (const flavor of ["v6", "v7"] as Flavor[]) {
  Deno.test(`ordering ${flavor}: a short script's message, READY and COMPLETE are on the stream before GET shows them`, async () => {
    const sim = startSim({ flavor, stepMs: 5, getLagMs: HELD_BACK_MS });
    const stream = await openStream(`${sim.baseUrl}/stream`);
    try {
      await createFast(sim);
      await waitUntil(() => sim.state.latestState(1) === "READY", "READY");
      const reply = await start(sim, 1);
      assert.equal(reply.state, "READY", "the start answers with the summary before RUNNING");
      await waitUntil(() => streamed(stream, 1).includes("COMPLETE"), "COMPLETE on the stream");
      assert.deepEqual(streamed(stream, 1).slice(-3), ["RUNNING", "READY", "COMPLETE"]);
      assert.ok(announced(stream).includes("main args=['bob'] kwargs={'simulate': False}"));
      // GET (and the in-process view) has not caught up with any of it.
      const seen = await get(sim, 1);
      assert.notEqual(seen.state, "COMPLETE");
      assert.ok(!seen.history.process_states.some(([s]: [string]) => s === "RUNNING"));
      assert.equal(sim.state.procedure(1)?.state, seen.state);
      assert.equal(sim.state.latestState(1), "COMPLETE");
    } finally {
      await stream.cancel();
      await sim.close();
    }
  });

  Deno.test(`ordering ${flavor}: GET never shows RUNNING for a main that returns at once`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    try {
      await createFast(sim);
      await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
      await start(sim, 1);
      const states: string[] = [];
      while (states.at(-1) !== "COMPLETE") states.push((await get(sim, 1)).state);
      assert.ok(!states.includes("RUNNING"), states.join());
      const history = (await get(sim, 1)).history.process_states.map(([s]: [string]) => s);
      assert.deepEqual(history.slice(-3), ["RUNNING", "READY", "COMPLETE"]);
    } finally {
      await sim.close();
    }
  });

  Deno.test(`ordering ${flavor}: streamLagMs puts the stream behind GET`, async () => {
    const sim = startSim({ flavor, stepMs: 5, getLagMs: 0, streamLagMs: HELD_BACK_MS });
    const stream = await openStream(`${sim.baseUrl}/stream`);
    try {
      await createFast(sim);
      await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
      await start(sim, 1);
      await waitUntil(() => sim.state.procedure(1)?.state === "COMPLETE", "GET to show COMPLETE");
      assert.equal((await get(sim, 1)).state, "COMPLETE");
      // Nothing of the run (nor of the create) has reached the stream yet.
      assert.deepEqual(streamed(stream, 1), []);
      assert.equal(stream.raw(), "\n", "only the opening newline");
    } finally {
      await stream.cancel();
      await sim.close();
    }
  });
}

Deno.test("ordering: a lagging stream still delivers every event, in order, and a cut after them", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5, getLagMs: 0, streamLagMs: 30 });
  const stream = await openStream(`${sim.baseUrl}/stream`);
  try {
    await createFast(sim);
    await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
    await start(sim, 1);
    await waitUntil(() => streamed(stream, 1).includes("COMPLETE"), "COMPLETE on the stream");
    assert.deepEqual(streamed(stream, 1), [
      "CREATING",
      "IDLE",
      "LOADING",
      "IDLE",
      "INITIALISING",
      "READY",
      "RUNNING",
      "READY",
      "COMPLETE",
    ]);
    assert.deepEqual(announced(stream), [
      "init args=['fast'] kwargs={'subarray_id': 1}",
      "main args=['bob'] kwargs={'simulate': False}",
    ]);
    // A refused start makes 7.x close every stream: the cut comes after
    // what was already in flight, including the refusal's request event.
    await send(`${sim.baseUrl}/procedures/`, "POST", {
      script: { script_type: "filesystem", script_uri: "file:///scripts/loop.py" },
    });
    await waitUntil(() => sim.state.procedure(2)?.state === "READY", "loop READY");
    await start(sim, 2);
    await waitUntil(() => sim.state.procedure(2)?.state === "RUNNING", "loop RUNNING");
    await createFast(sim);
    await waitUntil(() => sim.state.procedure(3)?.state === "READY", "third READY");
    await start(sim, 3); // refused: 2 is RUNNING
    assert.equal(await stream.ended, "cut");
    const topics = stream.events().map((e) => JSON.parse(e.data).topic);
    assert.equal(topics.at(-1), "request.procedure.start");
  } finally {
    await stream.cancel();
    await sim.close();
  }
});
