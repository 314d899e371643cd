/**
 * `oet console`'s start and stop go through the CLI's own rules: what
 * `oet procedure start` refuses is refused (nothing sent) with the CLI's
 * error and hint, and a stop the server answers with "Cannot stop …" is an
 * error, as `oet procedure stop` says it — never "started" or "stop sent".
 */

import assert from "node:assert/strict";
import { perform } from "../../src/commands/console/app.ts";
import { type Action, pressKey } from "../../src/commands/console/model.ts";
import { screen } from "../../src/commands/console/screen.ts";
import { OetError } from "../../src/domain/errors.ts";
import type { Procedure, StopResult } from "../../src/domain/types.ts";
import { busyState, NOW, procedure } from "../support/console_fixtures.ts";
import { renderToString } from "ink";

/** A server that answers the console's reads and records what was sent. */
function fakeServer(procedures: Procedure[], stopAnswer = "Successfully stopped script with ID 3") {
  const sent: string[] = [];
  const client = {
    getProcedure(pid: number) {
      const p = procedures.find((x) => x.id === pid);
      if (!p) throw new Error(`no procedure ${pid}`);
      return Promise.resolve(structuredClone(p));
    },
    startProcedure(pid: number) {
      sent.push(`start ${pid}`);
      const p = procedures.find((x) => x.id === pid)!;
      return Promise.resolve(structuredClone(p));
    },
    stopProcedure(pid: number, abort: boolean): Promise<StopResult> {
      sent.push(`stop ${pid} ${abort}`);
      return Promise.resolve({ message: stopAnswer, raw: { abort_message: stopAnswer } });
    },
    createProcedure() {
      sent.push("create");
      return Promise.reject(new Error("not in this test"));
    },
    runActivity() {
      sent.push("run");
      return Promise.reject(new Error("not in this test"));
    },
  };
  return { client, sent };
}

/** What `perform` rejects with (or fails the test when it resolves). */
async function refusal(p: Promise<string>): Promise<OetError> {
  const result = await p.then((note) => note, (err) => err);
  assert.ok(result instanceof OetError, `expected an OetError, got ${String(result)}`);
  return result;
}

Deno.test("console s on a COMPLETE procedure: the CLI's refusal and hint in the status line, no dialog, nothing to send", () => {
  const s = busyState();
  // Sorted newest first: 4 READY, 3 RUNNING, 2 FAILED, 1 COMPLETE.
  for (let i = 0; i < 3; i++) pressKey(s, { input: "j" });
  assert.equal(s.selectedProcedure()?.id, 1);
  const effect = pressKey(s, { input: "s" });
  assert.equal(effect, undefined);
  assert.equal(s.dialog, undefined);
  assert.equal(s.status?.kind, "error");
  assert.equal(s.status?.text, "procedure 1 is COMPLETE and cannot be started");
  assert.equal(
    s.status?.hint,
    "see its history with: oet procedure describe --pid 1\na procedure runs once: load the script again with oet procedure create …",
  );
  // Enter afterwards sends nothing (it toggles the detail pane, as without a dialog).
  assert.equal(pressKey(s, { input: "", enter: true }), undefined);
  const frame = renderToString(screen(s, { columns: 160, rows: 30 }, NOW, false), {
    columns: 160,
  });
  assert.match(frame, /error: procedure 1 is COMPLETE and cannot be started/);
  assert.doesNotMatch(frame, /started procedure/);
});

Deno.test("console s on a RUNNING procedure: refused with the CLI's follow hint; the hint keeps the console's context", () => {
  const s = busyState();
  s.target.hints = {
    resolvedTarget: () =>
      ({
        url: "http://127.0.0.1:5000/api/v1.0",
        urlSource: "context",
        context: { name: "low" },
        current: "mid",
      }) as never,
  };
  pressKey(s, { input: "j" });
  assert.equal(s.selectedProcedure()?.id, 3);
  assert.equal(pressKey(s, { input: "s" }), undefined);
  assert.equal(s.dialog, undefined);
  assert.equal(s.status?.text, "procedure 3 is already RUNNING and cannot be started");
  assert.equal(s.status?.hint, "follow it with: oet procedure wait --pid 3 --context low");
});

Deno.test("console start: a procedure that ended after the list was read is refused as the CLI refuses it; nothing is sent", async () => {
  const s = busyState();
  // The list shows 4 READY; the server has it COMPLETE by the time Enter is pressed.
  const { client, sent } = fakeServer([procedure(4, "COMPLETE", 90)]);
  const action: Action = { kind: "start", pid: 4, args: "" };
  const err = await refusal(perform(client as never, action, s));
  assert.equal(err.message, "procedure 4 is COMPLETE and cannot be started");
  assert.match(err.hint ?? "", /^see its history with: oet procedure describe --pid 4\n/);
  assert.deepEqual(sent, []);
});

Deno.test("console start: a READY procedure is started", async () => {
  const s = busyState();
  const { client, sent } = fakeServer([procedure(4, "READY", 90)]);
  const note = await perform(client as never, { kind: "start", pid: 4, args: "" }, s);
  assert.equal(note, "started procedure 4");
  assert.deepEqual(sent, ["start 4"]);
});

Deno.test("console stop: the server's 'Cannot stop' is an error with the CLI's hint, not 'stop sent'", async () => {
  const s = busyState();
  const { client, sent } = fakeServer(
    [procedure(1, "COMPLETE", 0)],
    "Cannot stop script with ID 1: Script is not running",
  );
  const err = await refusal(perform(client as never, { kind: "stop", pid: 1, abort: true }, s));
  assert.equal(err.message, "Cannot stop script with ID 1: Script is not running");
  assert.equal(err.hint, "see its state with: oet procedure describe --pid 1");
  assert.deepEqual(sent, ["stop 1 true"]);
});

Deno.test("console stop: an accepted stop says so", async () => {
  const s = busyState();
  const { client } = fakeServer([procedure(3, "RUNNING", 60)]);
  const note = await perform(client as never, { kind: "stop", pid: 3, abort: true }, s);
  assert.equal(note, "stop sent to procedure 3 (and the abort script)");
});

Deno.test("console: the status line does not outlive an outage; a drop alone keeps it", () => {
  const s = busyState();
  s.showError(new OetError("Cannot stop script with ID 1: Script is not running"));
  s.setConnection({ kind: "reconnecting", since: NOW });
  assert.equal(s.status?.kind, "error");
  s.setConnection({ kind: "unreachable", since: NOW, message: "connection refused" });
  assert.equal(s.status?.kind, "error");
  s.setConnection({ kind: "live" });
  assert.equal(s.status, undefined);
  // The first opening (connecting → live) keeps what was said meanwhile.
  const t = busyState();
  t.connection = { kind: "connecting" };
  t.setStatus({ kind: "info", text: "created procedure 5 (CREATING); s starts it" });
  t.setConnection({ kind: "live" });
  assert.equal(t.status?.text, "created procedure 5 (CREATING); s starts it");
});
