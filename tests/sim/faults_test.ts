/** Fault switches: each one, through the in-process API, and the request log. */

import assert from "node:assert/strict";
import { startSim } from "../support/sim.ts";
import { openStream } from "./sse_reader.ts";
import { until as waitUntil } from "../support/wait.ts";

async function get(url: string): Promise<[number, string, Headers]> {
  const res = await fetch(url);
  return [res.status, await res.text(), res.headers];
}

Deno.test("faults: forced 500s for the next N requests, flavour-shaped, nothing handled", async () => {
  const sim = startSim({ flavor: "v5", stepMs: 5, faults: { fail500Next: 2 } });
  try {
    const body = JSON.stringify({
      script: { script_type: "filesystem", script_uri: "file:///scripts/success.py" },
    });
    const post = await fetch(`${sim.baseUrl}/procedures`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(post.status, 500);
    const error = await post.json();
    assert.deepEqual(Object.keys(error), ["error", "type", "Message"]);
    assert.equal(error.type, "Internal Server Error");
    assert.equal(sim.state.procedures().length, 0, "the forced 500 did not create anything");
    assert.equal((await get(`${sim.baseUrl}/procedures`))[0], 500);
    assert.equal((await get(`${sim.baseUrl}/procedures`))[0], 200);
    assert.equal(sim.faults.fail500Next, 0);
    assert.deepEqual(
      sim.requests.map((r) => [r.method, r.path, r.body, r.status]),
      [
        ["POST", "/api/v1.0/procedures", body, 500],
        ["GET", "/api/v1.0/procedures", null, 500],
        ["GET", "/api/v1.0/procedures", null, 200],
      ],
    );
  } finally {
    await sim.close();
  }
});

Deno.test("faults: forced 500s by path pattern (v7 plain text), cleared by setFaults({})", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    sim.setFaults({ fail500Path: "/activities/" });
    const [status, text, headers] = await get(`${sim.baseUrl}/activities/`);
    assert.equal(status, 500);
    assert.equal(text, "Internal Server Error");
    assert.equal(headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal((await get(`${sim.baseUrl}/procedures/`))[0], 200);
    sim.setFaults({});
    assert.equal((await get(`${sim.baseUrl}/activities/`))[0], 200);
  } finally {
    await sim.close();
  }
});

Deno.test("faults: the Nth through Mth read of a path answers 500; other paths and methods are counted apart", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    sim.setFaults({ failRead: { path: "/procedures/$", nth: 2, last: 3 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await get(`${sim.baseUrl}/procedures/`))[0]);
      // Neither another path nor a POST counts as a read of this one.
      assert.equal((await get(`${sim.baseUrl}/activities/`))[0], 200);
    }
    assert.deepEqual(statuses, [200, 500, 500, 200]);
    sim.setFaults({ failRead: { path: "/procedures/$", nth: 1 } });
    assert.equal((await get(`${sim.baseUrl}/procedures/`))[0], 500, "setFaults counts afresh");
    assert.equal((await get(`${sim.baseUrl}/procedures/`))[0], 200, "only the nth by default");
  } finally {
    await sim.close();
  }
});

Deno.test("faults: malformed JSON bodies on 200", async () => {
  const sim = startSim({ flavor: "v7", stepMs: 5, faults: { malformedJson: 1 } });
  try {
    const [status, text] = await get(`${sim.baseUrl}/procedures/`);
    assert.equal(status, 200);
    assert.equal(text, "["); // half of "[]"
    assert.throws(() => JSON.parse(text));
    const [, again] = await get(`${sim.baseUrl}/procedures/`);
    assert.deepEqual(JSON.parse(again), []);
  } finally {
    await sim.close();
  }
});

Deno.test("faults: latency and slow headers delay the answer", async () => {
  const sim = startSim({ flavor: "v5", stepMs: 5, faults: { latencyMs: 80 } });
  try {
    let t0 = performance.now();
    await get(`${sim.baseUrl}/procedures`);
    assert.ok(performance.now() - t0 >= 75, "latency");
    sim.setFaults({ slowHeadersMs: 80 });
    t0 = performance.now();
    const res = await fetch(`${sim.baseUrl}/procedures`);
    assert.ok(performance.now() - t0 >= 75, "slow headers");
    await res.body?.cancel();
  } finally {
    await sim.close();
  }
});

Deno.test("faults: an event stream is cut in the middle of event N+1", async () => {
  const sim = startSim({ flavor: "v5", stepMs: 5, faults: { dropStreamAfter: 3 } });
  try {
    const stream = await openStream(`${sim.baseUrl}/stream`);
    // Each list request publishes two events (request and reply).
    for (let i = 0; i < 2; i++) await get(`${sim.baseUrl}/procedures`);
    assert.equal(await stream.ended, "cut");
    assert.equal(stream.events().length, 3);
    const raw = stream.raw();
    assert.ok(!raw.endsWith("\n\n"), "the last event is incomplete");
    assert.ok(raw.slice(raw.lastIndexOf("\n\n") + 2).startsWith("data:"));
    await waitUntil(() => sim.openStreams === 0, "the stream to be dropped");
  } finally {
    await sim.close();
  }
});

for (const flavor of ["v8", "v5"] as const) {
  Deno.test(`faults ${flavor}: start500ButRuns answers the start with a generic 500, and the procedure runs`, async () => {
    const sim = startSim({ flavor, stepMs: 5, faults: { start500ButRuns: 1 } });
    const procedures = `${sim.baseUrl}/procedures${flavor === "v8" ? "/" : ""}`;
    try {
      for (const n of [1, 2]) {
        const created = await fetch(procedures, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            script: { script_type: "filesystem", script_uri: "file:///scripts/slow.py" },
          }),
        });
        await created.body?.cancel();
        await waitUntil(() => sim.state.procedure(n)?.state === "READY", "READY");
      }
      const start = (pid: number) =>
        fetch(`${sim.baseUrl}/procedures/${pid}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            state: "RUNNING",
            script_args: { main: { args: [2], kwargs: {} } },
          }),
        });
      const res = await start(1);
      assert.equal(res.status, 500);
      if (flavor === "v8") {
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
        assert.equal(await res.text(), "Internal Server Error");
      } else {
        assert.equal((await res.json()).type, "Internal Server Error");
      }
      // It ran all the same.
      await waitUntil(() => sim.state.procedure(1)?.state === "COMPLETE", "procedure 1 COMPLETE");
      assert.ok(sim.state.procedure(1)!.history.some(([s]) => s === "RUNNING"));
      assert.equal(sim.faults.start500ButRuns, 0);
      // The switch is used up: the next start answers normally.
      const next = await start(2);
      assert.equal(next.status, 200);
      await next.body?.cancel();
    } finally {
      await sim.close();
    }
  });
}
