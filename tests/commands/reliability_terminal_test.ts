/**
 * Terminal safety, through the commands: a server whose text carries escape
 * sequences (clear screen, retitle, colours, CSI as a C1 byte, carriage
 * returns, bidi overrides) in script URIs, stack traces, arguments, event
 * data, abort and error messages. Human output shows them escaped; `-o json`
 * and `-o jsonl` keep the exact text.
 */

import assert from "node:assert/strict";
import { runOet, startOet } from "../support/cli.ts";
import { faultTest } from "../support/fault_matrix.ts";
import { HttpDouble, json, type Stub } from "../support/http_double.ts";
import { until } from "../support/wait.ts";

/** Clear screen, set the window title, red, CR, a C1 CSI, a right-to-left override, NUL. */
const EVIL = "\x1b[2J\x1b]0;pwned\x07\r\x1b[31mred\x9b6n\u202eevil\x00";
/** How `oet` shows it. */
const SHOWN = "\\x1b[2J\\x1b]0;pwned\\x07\\r\\x1b[31mred\\x9b6n\\u202eevil\\x00";

// Any control character but the line feed; C1 controls; bidi overrides.
// deno-lint-ignore no-control-regex -- finding control characters is the point
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const BASE = "/ska-oso-oet/oet/api/v7";
const URI = `file:///scripts/${EVIL}.py`;
const TRACE =
  `Traceback (most recent call last):\n  File "/scripts/${EVIL}.py", line 3, in main\n` +
  `Exception: ${EVIL}\n`;

function procedure(id: number, state: string): Record<string, unknown> {
  const states: [string, number][] = [["CREATING", 1795477633.04679], ["READY", 1795477633.55]];
  if (state !== "READY") states.push(["RUNNING", 1795477640]);
  if (state === "FAILED") states.push(["FAILED", 1795477641]);
  return {
    id,
    script: { script_uri: URI, script_type: "filesystem" },
    script_args: { init: { args: [EVIL], kwargs: { subarray_id: 1, note: EVIL } } },
    history: { process_states: states, stacktrace: state === "FAILED" ? TRACE : null },
    state,
    uri: `http://localhost${BASE}/procedures/${id}`,
  };
}

const ACTIVITY = {
  id: 1,
  pid: 1,
  procedure_id: 1,
  sbd_id: `sbd-${EVIL}`,
  activity_name: `observe${EVIL}`,
  prepare_only: false,
  script_args: { main: { args: [], kwargs: { sbi_id: EVIL } } },
  activity_states: [["TODO", 1795477673.0345814]],
  state: "TODO",
  sbi_id: "sbi-t0001-20261123-00001",
  uri: `http://localhost${BASE}/activities/1`,
};

/** What the hostile server answers, by route; a test serves those it uses. */
type HostileRoute =
  | "list"
  | "procedure 1"
  | "procedure 2"
  | "stop 2"
  | "activities"
  | "activity 1"
  | "procedure 9"
  | "stream";

/** A 7.x server with hostile text everywhere; procedure 2 is RUNNING until `fail()`. */
function hostileOet(...serve: HostileRoute[]): HttpDouble & { fail(): void } {
  let second = "RUNNING";
  const routes: Record<Exclude<HostileRoute, "stream">, Stub> = {
    list: {
      url: `${BASE}/procedures/`,
      respond: () => json([procedure(1, "FAILED"), procedure(2, second)]),
    },
    "procedure 1": { url: `${BASE}/procedures/1`, respond: () => json(procedure(1, "FAILED")) },
    "procedure 2": { url: `${BASE}/procedures/2`, respond: () => json(procedure(2, second)) },
    "stop 2": {
      method: "PUT",
      url: `${BASE}/procedures/2`,
      respond: () => json({ abort_message: `Successfully stopped script with ID 2 ${EVIL}` }),
    },
    activities: { url: `${BASE}/activities/`, respond: () => json([ACTIVITY]) },
    "activity 1": { url: `${BASE}/activities/1`, respond: () => json(ACTIVITY) },
    "procedure 9": {
      url: `${BASE}/procedures/9`,
      respond: () => json({ detail: `No information available for PID=9 ${EVIL}` }, 404),
    },
  };
  const server = new HttpDouble();
  for (const name of serve) {
    if (name === "stream") server.eventStream();
    else server.stub({ ...routes[name], reusable: true });
  }
  return Object.assign(server.listen(), {
    fail() {
      second = "FAILED";
    },
  });
}

function assertSafe(text: string, what: string): void {
  const bad = text.match(UNSAFE);
  assert.equal(bad, null, `${what}: raw ${JSON.stringify(bad?.[0])} in\n${text}`);
}

faultTest("hostile-text", async (row) => {
  const server = hostileOet(
    "list",
    "procedure 1",
    "stop 2",
    "activities",
    "activity 1",
    "stream",
  );
  const env = { OET_REST_URI: `${server.origin}${BASE}` };
  try {
    const human: [string[], string][] = [
      [["procedure", "list"], "the Script column"],
      [["procedure", "describe", "--pid", "1"], "URI, arguments and stack trace"],
      [["procedure", "stop", "--pid", "2", "--run_abort=False"], "the abort message"],
      [["activity", "list"], "activity and SB columns"],
      [["activity", "describe", "--aid", "1"], "the activity's text"],
    ];
    for (const [args, what] of human) {
      const r = await runOet(args, { env });
      assert.equal(r.code, row.exit, `${args.join(" ")}: ${r.stderr}`);
      assertSafe(r.stdout + r.stderr, args.join(" "));
      assert.ok(r.stdout.includes(SHOWN), `${what} is shown escaped:\n${r.stdout}`);
    }
    // Machine output is the server's text, exactly.
    const list = await runOet(["procedure", "list", "-o", "json"], { env });
    assert.equal(list.code, row.exit);
    assert.equal(JSON.parse(list.stdout)[0].script.script_uri, URI);
    const described = await runOet(["procedure", "describe", "--pid", "1", "-o", "json"], { env });
    assert.equal(JSON.parse(described.stdout).history.stacktrace, TRACE);
    const stopped = await runOet(["procedure", "stop", "--pid", "2", "-o", "json"], { env });
    assert.equal(
      JSON.parse(stopped.stdout).abort_message,
      `Successfully stopped script with ID 2 ${EVIL}`,
    );

    // Event data, live: text form escaped, jsonl exact.
    const announce = { msg_src: "2", msg: `scan ${EVIL}`, topic: "user.script.announce" };
    const oddTopic = { msg_src: "2", topic: `sb.${EVIL}`, note: EVIL };
    for (
      const [output, check] of [
        ["text", (out: string) => {
          assert.ok(out.includes(`event: user.script.announce\ndata: scan ${SHOWN}\n`), out);
          assert.ok(out.includes(`event: sb.${SHOWN}\n`), out);
        }],
        ["jsonl", (out: string) => {
          const [first, second] = out.trimEnd().split("\n").map((l) => JSON.parse(l));
          assert.equal(first.data.msg, announce.msg);
          assert.deepEqual([second.topic, second.data.note], [oddTopic.topic, EVIL]);
        }],
      ] as const
    ) {
      const listening = startOet(["listen", "-o", output], { env });
      await until(() => server.openStreams === 1, "listen to subscribe");
      server.emit(announce);
      server.emit(oddTopic);
      await listening.until(/sb\./); // the second event is in, whole
      const r = await listening.interrupt();
      assert.equal(r.code, 130);
      if (output === "text") assertSafe(r.stdout + r.stderr, "listen");
      check(r.stdout);
      await until(() => server.openStreams === 0, "listen to close its stream");
    }
  } finally {
    await server.close();
  }
});

faultTest("hostile-stack", async (row) => {
  const server = hostileOet("procedure 2", "stream");
  try {
    const waiting = startOet(["procedure", "wait", "--pid", "2"], {
      env: { OET_REST_URI: `${server.origin}${BASE}` },
    });
    await until(() => server.openStreams === 1, "wait to subscribe");
    await waiting.until(/RUNNING/); // the row: it follows procedure 2 now
    server.emit({ msg_src: "2", msg: `step ${EVIL}`, topic: "user.script.announce" });
    server.emit({ msg_src: "2", stacktrace: TRACE, topic: "procedure.lifecycle.stacktrace" });
    await waiting.until(/- Failed: /);
    server.fail();
    server.emit({ msg_src: "2", new_state: "FAILED", topic: "procedure.lifecycle.statechange" });
    const r = await waiting.done;
    assert.equal(r.code, row.exit, r.stderr);
    assertSafe(r.stdout + r.stderr, "procedure wait");
    assert.ok(r.stdout.includes(`- Script message: step ${SHOWN}\n`), r.stdout);
    assert.ok(r.stdout.includes(`- Failed: Exception: ${SHOWN}\n`), r.stdout);
    assert.ok(r.stderr.includes(`Exception: ${SHOWN}\n`), `the stack tail:\n${r.stderr}`);
    assert.match(r.stderr, /error: procedure 2 ended FAILED/);
  } finally {
    await server.close();
  }
});

faultTest("hostile-error", async (row) => {
  const server = hostileOet("procedure 9");
  try {
    const r = await runOet(["procedure", "describe", "--pid", "9"], {
      env: { OET_REST_URI: `${server.origin}${BASE}` },
    });
    assertSafe(r.stderr, "the error");
    assert.equal(
      r.stderr,
      `error: HTTP 404: No information available for PID=9 ${SHOWN}\n` +
        "hint: see the procedures the server has: oet procedure list (it keeps only the 10 " +
        "newest finished)\n",
    );
    assert.equal(r.code, row.exit);
    assert.equal(r.stdout, "");
  } finally {
    await server.close();
  }
});
