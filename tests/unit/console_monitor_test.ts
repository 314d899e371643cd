/**
 * `oet console`'s header against a server that goes away and comes back,
 * without a terminal: the stream's printer (monitor.ts) on a fake server
 * and clock. A server that refuses connections is "unreachable" as soon
 * as the stream's drop is noticed (a re-read is sent at once and fails),
 * not when the stream's reconnect window ends; the header's "gap since"
 * and the gap's marker in the messages pane are one time.
 */

import assert from "node:assert/strict";
import { renderToString } from "ink";
import { Monitor } from "../../src/commands/console/monitor.ts";
import { screen } from "../../src/commands/console/screen.ts";
import { ConnectionError } from "../../src/domain/errors.ts";
import type { Procedure } from "../../src/domain/types.ts";
import { busyState, NOW, procedure } from "../support/console_fixtures.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

/** A server that answers the lists while `up`, and refuses connections otherwise. */
function fakeServer() {
  const server = { up: true, reads: 0 };
  const refused = () =>
    new ConnectionError(
      "refused",
      "http://127.0.0.1:5000/api/v1.0/procedures",
      "cannot reach the OET at http://127.0.0.1:5000: connection refused",
      { hint: "is the server running? check the URL" },
    );
  const client = {
    listProcedures(): Promise<Procedure[]> {
      server.reads++;
      return server.up ? Promise.resolve([procedure(4, "READY", 90)]) : Promise.reject(refused());
    },
    listActivities() {
      return server.up ? Promise.resolve([]) : Promise.reject(refused());
    },
    generation: () => "5" as const,
  };
  return { server, client };
}

/** The connection's kind (read through a call: the checker cannot see the monitor change it). */
function kindOf(s: ReturnType<typeof busyState>): string {
  return s.connection.kind;
}

/** The header line of a frame at `now`. */
function header(s: ReturnType<typeof busyState>, now: number): string {
  return renderToString(screen(s, { columns: 160, rows: 30 }, now, false), { columns: 160 })
    .split("\n")[0];
}

const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * A monitor of a busy state on the fake server, its stream opened and the
 * lists read, at a clock the test moves; closed after `fn`.
 */
async function withMonitor(
  fn: (t: {
    s: ReturnType<typeof busyState>;
    server: ReturnType<typeof fakeServer>["server"];
    m: Monitor;
    clock: VirtualClock;
  }) => Promise<void>,
): Promise<void> {
  const s = busyState();
  const { server, client } = fakeServer();
  const clock = new VirtualClock(NOW);
  const stop = new AbortController();
  const m = new Monitor(s, client, {
    now: clock.now,
    random: () => 0.5,
    signal: stop.signal,
    changed() {},
  });
  try {
    m.opened();
    await m.idle();
    await fn({ s, server, m, clock });
  } finally {
    stop.abort();
    m.close();
  }
}

Deno.test("console monitor: a server gone (connection refused) is unreachable as soon as the stream drop is noticed, not 60 s later", async () => {
  await withMonitor(async ({ s, server, m, clock }) => {
    assert.equal(kindOf(s), "live");
    // The server stops; the stream ended 5 s ago, and its first reopening was refused.
    server.up = false;
    const lastData = clock.t - 5000;
    const before = server.reads;
    m.note("event stream unavailable (connection refused); retrying", lastData);
    await m.idle();
    assert.ok(server.reads > before, "the lists are read again at once");
    assert.equal(kindOf(s), "unreachable");
    assert.match(header(s, clock.t), /· unreachable, retrying ·/);
    // The header's tick does not turn it back into a gap with stale rows.
    clock.t += 3000;
    m.tick();
    assert.equal(kindOf(s), "unreachable");
  });
});

Deno.test("console monitor: the header's 'gap since' and the gap's marker are one time (the stream's last data)", async () => {
  await withMonitor(async ({ s, m, clock }) => {
    // Nothing came for 5 s before the stream dropped; the drop is noticed now.
    const lastData = clock.t - 5000;
    m.note("event stream unavailable (the server closed the event stream); retrying", lastData);
    await m.idle();
    clock.t += 4000;
    m.tick();
    assert.equal(kindOf(s), "gap");
    assert.match(header(s, clock.t), new RegExp(`· gap since ${hms(lastData)} ·`));
    // The feed's own gap for the reopening (its last item came a moment later than the
    // stream's last data): the marker still starts where the header said.
    clock.t += 2000;
    m.gap({ from: lastData + 900, to: clock.t, reason: "the server could not be reached" });
    m.opened();
    await m.idle();
    const marker = s.lines.at(-1)!;
    assert.equal(marker.kind, "gap");
    assert.equal(
      marker.text,
      `stream down ${hms(lastData)}–${
        hms(clock.t)
      }: events may be missing (the server could not be reached)`,
    );
    assert.equal(kindOf(s), "live");
  });
});

Deno.test("console: interrupted while its modules load, it never takes the terminal (Ctrl-C: returns; SIGTERM: 143)", async () => {
  const { runConsole } = await import("../../src/commands/console/app.ts");
  const { InterruptedError } = await import("../../src/domain/errors.ts");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const interrupt = new AbortController();
    interrupt.abort(new InterruptedError(signal));
    let takenOver = 0;
    const terminal = {
      interactive: true,
      size: () => ({ columns: 80, rows: 24 }),
      takeOver: () => void takenOver++,
      restore: () => {},
    };
    // Only the signal: an interrupted console must not reach for the server or the screen.
    const ctx = { signal: interrupt.signal } as unknown as Parameters<typeof runConsole>[0];
    const run = runConsole(ctx, terminal, {
      readOnly: false,
      target: { label: "127.0.0.1", root: "http://127.0.0.1:9/api/v1.0" },
    });
    if (signal === "SIGINT") await run;
    else await assert.rejects(run, (e) => e instanceof InterruptedError && e.signal === "SIGTERM");
    assert.equal(takenOver, 0);
  }
});
