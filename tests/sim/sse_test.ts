/**
 * The simulator's `/stream` for a create + start sequence: recorded framing
 * (`\n` first, `data:` + optional `id:`, blank line, no `event:`/`retry:`,
 * LF only, Python `json.dumps` separators), the recorded topics, jsonpickle
 * payloads on v5 that the client decodes to plain JSON, and 7.0.0's habit of
 * closing every stream when a start is refused.
 */

import assert from "node:assert/strict";
import { decodeJsonPickle } from "../../src/api/jsonpickle.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { pyDumps } from "../../sim/src/py_json.ts";
import { openStream, type StreamCapture } from "./sse_reader.ts";
import { until as waitUntil } from "../support/wait.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const REPLY_TOPICS = new Set([
  "procedure.pool.list",
  "procedure.lifecycle.created",
  "procedure.lifecycle.started",
  "procedure.lifecycle.stopped",
  "activity.pool.list",
  "activity.lifecycle.running",
]);

function collection(sim: Simulator, name: string): string {
  return `${sim.baseUrl}/${name}${sim.flavor === "v7" ? "/" : ""}`;
}

async function send(url: string, method: string, body?: unknown): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body?.cancel();
  return res;
}

function create(sim: Simulator, script: string, kwargs: Record<string, unknown> = {}) {
  return send(collection(sim, "procedures"), "POST", {
    script: { script_type: "filesystem", script_uri: `file:///scripts/${script}` },
    script_args: { init: { args: ["hello", 2], kwargs: { subarray_id: 1, ...kwargs } } },
  });
}

function start(sim: Simulator, pid: number) {
  return send(`${sim.baseUrl}/procedures/${pid}`, "PUT", {
    state: "RUNNING",
    script_args: { main: { args: ["bob"], kwargs: { simulate: false } } },
  });
}

for (const flavor of ["v5", "v7"] as Flavor[]) {
  Deno.test(`sse ${flavor}: create + start stream has the recorded framing and topics`, async () => {
    const sim = startSim({ flavor, stepMs: 5 });
    let stream: StreamCapture | undefined;
    try {
      stream = await openStream(`${sim.baseUrl}/stream`);
      assert.equal(stream.response.status, 200);
      assert.equal(stream.response.headers.get("content-type"), "text/event-stream; charset=utf-8");
      assert.equal(stream.response.headers.get("transfer-encoding"), "chunked");
      assert.equal((await create(sim, "echo_args.py")).status, 201);
      await waitUntil(() => sim.state.procedure(1)?.state === "READY", "READY");
      assert.equal((await start(sim, 1)).status, 200);
      await waitUntil(() => sim.state.procedure(1)?.state === "COMPLETE", "COMPLETE");
      await sim.settle();
      // The run's last event, COMPLETE, whole on the stream.
      await waitUntil(
        () => stream!.events().some((e) => e.data.includes("COMPLETE")),
        "COMPLETE on the stream",
        () => stream!.raw(),
      );
      const raw = stream.raw();
      assert.ok(raw.startsWith("\ndata:"), "body starts with a lone newline");
      assert.ok(!raw.includes("\r"), "LF only");
      assert.ok(raw.endsWith("\n\n"));
      const blocks = raw.slice(1, -2).split("\n\n");
      const topics: string[] = [];
      const states: string[] = [];
      for (const block of blocks) {
        assert.match(block, /^data:[^\n]+(\nid:\d+)?$/, `framing of ${block.slice(0, 60)}`);
        const [dataLine, idLine] = block.split("\n");
        const text = dataLine.slice(5);
        const parsed = JSON.parse(text);
        assert.equal(pyDumps(parsed), text, "Python json.dumps separators");
        const plain = (flavor === "v5" ? decodeJsonPickle(parsed) : parsed) as Any;
        assert.ok(!JSON.stringify(plain).includes('"py/'), `no py/ tag left: ${text.slice(0, 80)}`);
        if (flavor === "v7") assert.ok(!text.includes('"py/'));
        const isRequest = plain.topic.startsWith("request.");
        assert.equal(idLine !== undefined, isRequest || REPLY_TOPICS.has(plain.topic), plain.topic);
        topics.push(plain.topic);
        if (plain.topic === "procedure.lifecycle.statechange") {
          assert.equal(plain.msg_src, "1");
          states.push(plain.new_state);
        }
      }
      assert.deepEqual(states, [
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
      const announce = flavor === "v5" ? "user.script.announce" : "script.announce";
      for (
        const topic of [
          "request.procedure.create",
          "procedure.lifecycle.created",
          "request.procedure.start",
          "procedure.lifecycle.started",
          announce,
        ]
      ) assert.ok(topics.includes(topic), `${topic} in ${topics}`);
      const worker = flavor === "v5" ? "FlaskWorker" : "FastAPIWorker";
      assert.ok(blocks[0].startsWith(`data:{"msg_src": "${worker}", "cmd": `));
    } finally {
      await stream?.cancel();
      await sim.close();
    }
  });
}

Deno.test("sse v7: a refused start closes every open stream abruptly; v5 keeps them", async () => {
  for (const flavor of ["v7", "v5"] as Flavor[]) {
    const sim = startSim({ flavor, stepMs: 5 });
    const streams: StreamCapture[] = [];
    try {
      await create(sim, "loop_announce.py");
      await create(sim, "hello_world.py");
      await sim.settle();
      await start(sim, 1);
      await sim.settle();
      streams.push(await openStream(`${sim.baseUrl}/stream`));
      streams.push(await openStream(`${sim.baseUrl}/stream`));
      const refused = await fetch(`${sim.baseUrl}/procedures/2`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: "RUNNING", script_args: { main: { args: [], kwargs: {} } } }),
      });
      assert.equal(refused.status, 500);
      const text = await refused.text();
      assert.match(text, /Cannot start PID 2: PID #1 is ProcedureState\.RUNNING/);
      if (flavor === "v7") {
        for (const s of streams) {
          assert.equal(await s.ended, "cut");
          const events = s.events();
          const last = JSON.parse(events[events.length - 1].data);
          assert.equal(last.topic, "request.procedure.start");
        }
        assert.equal(sim.openStreams, 0);
      } else {
        await waitUntil(
          () => streams.every((s) => s.raw().includes("builtins.ValueError")),
          "the exception result on every stream",
        );
        assert.equal(sim.openStreams, 2);
      }
    } finally {
      for (const s of streams) await s.cancel();
      await sim.close();
    }
  }
});
