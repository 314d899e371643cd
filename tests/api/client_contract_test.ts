/**
 * The REST client against traffic recorded from real OET 5.4.0, 6.6.0 and
 * 7.0.0 servers: every procedure and activity exchange and every error
 * response, replayed byte for byte from tests/fixtures/transcripts/.
 */

import assert from "node:assert/strict";
import { OetClient } from "../../src/api/client.ts";
import { Transport } from "../../src/api/http.ts";
import { ConnectionError, HttpError, ProtocolError } from "../../src/domain/errors.ts";
import type { Activity, Procedure } from "../../src/domain/types.ts";
import { HttpDouble, replayed } from "../support/http_double.ts";
import { closedPort, startRawServer } from "../support/sockets.ts";
import {
  fixtureDir,
  listTranscripts,
  readTranscript,
  type Transcript,
} from "../support/transcripts.ts";

type Version = "v5.4.0" | "v6.6.0" | "v7.0.0";
const BASE: Record<Version, string> = {
  "v5.4.0": "/api/v1.0",
  "v6.6.0": "/ska-oso-oet/oet/api/v6",
  "v7.0.0": "/ska-oso-oet/oet/api/v7",
};

/** Recorded files the client never consumes, and why (see fixtures README). */
const NOT_CONSUMED: Record<Version, Record<string, string>> = {
  "v5.4.0": {
    "11a-get-stream-headers.txt": "the event stream: covered by tests/api/events_test.ts",
    "11b-get-openapi-json.txt": "the OpenAPI document: oet never requests it",
    "11c-get-resolved-spec-for-swagger-ui.txt": "the Swagger UI spec: oet never requests it",
    "11d-get-swagger-ui.txt": "the Swagger UI page: oet never requests it",
    "11i-head-procedures.txt": "HEAD: oet never sends it",
    "12c-put-stop-loop-script-abort-true.txt": "an empty reply: covered below by a raw socket test",
    "12d-get-procedures-after-abort.txt": "connection refused: covered below",
  },
  "v6.6.0": {
    "11a-get-stream-headers.txt": "the event stream: covered by tests/api/events_test.ts",
    "11b-get-openapi-json.txt": "the OpenAPI document: oet never requests it",
    "11g-head-procedures.txt": "HEAD: oet never sends it",
  },
  "v7.0.0": {
    "01c-get-procedures-without-trailing-slash-redirects.txt":
      "the 307: covered by the slash tests below",
    "01d-post-procedures-without-trailing-slash-redirects.txt": "the 307 on POST: covered below",
    "11a-get-stream-headers.txt": "the event stream: covered by tests/api/events_test.ts",
    "11b-get-openapi-json.txt": "the OpenAPI document: oet never requests it",
    "11c-get-swagger-ui.txt": "the Swagger UI page: oet never requests it",
    "11h-get-procedure-trailing-slash.txt": "oet never adds a slash after an id: checked below",
  },
};

const GENERIC_500 =
  "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.";
const FLASK_404 =
  "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const GIT_FAILURE =
  "Cmd('git') failed due to: exit code(128); cmdline: git ls-remote -h http://127.0.0.1:9/unreachable/repo.git main; stderr: 'fatal: unable to access 'http://127.0.0.1:9/unreachable/repo.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server'";
const STATES =
  "'UNKNOWN', 'IDLE', 'CREATING', 'PREP_ENV', 'LOADING', 'INITIALISING', 'READY', 'RUNNING', 'COMPLETE', 'STOPPED' or 'FAILED'";

/** The server's message oet must show for every recorded error response. */
const ERRORS: Record<Version, Record<string, [number, string]>> = {
  "v5.4.0": {
    "08a-get-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08b-put-invalid-state.txt": [500, GENERIC_500],
    "08c-put-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08d-post-malformed-json.txt": [400, "Request body is not valid JSON"],
    "08e-post-missing-script.txt": [400, "'script' is a required property"],
    "08f-post-missing-script-uri.txt": [400, "Malformed script in request"],
    "08g-post-unsupported-script-type.txt": [400, "Script type oda not supported"],
    "08h-post-script-uri-wrong-prefix.txt": [500, GENERIC_500],
    "08i-post-script-args-not-object.txt": [400, "[1, 2] is not of type 'object' - 'script_args'"],
    "08j-post-without-content-type.txt": [
      415,
      "Invalid Content-type (application/x-www-form-urlencoded), expected JSON data",
    ],
    "08k-put-empty-body.txt": [400, "None is not of type 'object'"],
    "08l-get-non-integer-id.txt": [404, FLASK_404],
    "08q-post-git-unreachable-repo-create-env.txt": [500, GIT_FAILURE],
    "08u-put-start-second-while-first-running.txt": [
      500,
      "Cannot start PID 8: PID #7 is ProcedureState.RUNNING",
    ],
    "09m-post-activity-unknown-sbd-id.txt": [
      500,
      "Not found. The requested sbd_id sbd-does-not-exist could not be found.",
    ],
    "09n-post-activity-unknown-activity-name.txt": [500, "Cannot run script with type NoneType"],
    "09o-get-unknown-activity-id.txt": [404, "No information available for ID=99"],
    "09p-get-activity-id-consumed-by-failed-request.txt": [
      404,
      "No information available for ID=4",
    ],
    "09q-post-activity-missing-sbd-id.txt": [400, "'sbd_id' is a required property"],
    "10d-get-pruned-procedure-1.txt": [404, "No information available for PID=1"],
    "11e-get-connexion-ui.txt": [404, FLASK_404],
    "11f-delete-procedure-method-not-allowed.txt": [
      405,
      "The method is not allowed for the requested URL.",
    ],
    "11g-get-unknown-path.txt": [404, FLASK_404],
    "11h-get-root.txt": [404, FLASK_404],
    "11j-get-procedures-trailing-slash.txt": [404, FLASK_404],
  },
  "v6.6.0": {
    // No trailing slash on 6.x: the slashed collection is Flask's 404.
    "01c-get-procedures-trailing-slash.txt": [404, FLASK_404],
    "08a-get-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08b-put-invalid-state.txt": [500, GENERIC_500],
    "08c-put-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08d-post-malformed-json.txt": [400, "Request body is not valid JSON"],
    "08e-post-missing-script.txt": [400, "'script' is a required property"],
    "08f-post-missing-script-uri.txt": [400, "Malformed script in request"],
    "08g-post-unsupported-script-type.txt": [400, "Script type magic not supported"],
    // 6.6.0 answers a wrong prefix with a 400 (5.4.0: Flask's 500).
    "08h-post-script-uri-wrong-prefix.txt": [
      400,
      "Incorrect prefix for FileSystemScript: /srv/oet/scripts/echo_args.py",
    ],
    "08i-post-script-args-not-object.txt": [400, "[1, 2] is not of type 'object' - 'script_args'"],
    "08j-post-without-content-type.txt": [
      415,
      "Invalid Content-type (application/x-www-form-urlencoded), expected JSON data",
    ],
    "08k-put-empty-body.txt": [400, "None is not of type 'object'"],
    "08l-get-non-integer-id.txt": [404, FLASK_404],
    "08u-put-start-second-while-first-running.txt": [
      500,
      "Cannot start PID 7: PID #6 is ProcedureState.RUNNING",
    ],
    "09m-post-activity-unknown-sbd-id.txt": [
      500,
      "The requested identifier sbd-nosuch-00000 could not be found.",
    ],
    // The server's Message is str(KeyError): the text in double quotes. oet
    // shows the text itself, as 7.0.0 sends it.
    "09n-post-activity-unknown-activity-name.txt": [
      500,
      "Activity 'nosuchactivity' not present in the SBDefinition sbd-t0001-20250403-00001",
    ],
    "09o-get-unknown-activity-id.txt": [404, "No information available for ID=99"],
    "09q-post-activity-missing-sbd-id.txt": [400, "'sbd_id' is a required property"],
    "11d-delete-procedure-method-not-allowed.txt": [
      405,
      "The method is not allowed for the requested URL.",
    ],
    "11e-get-unknown-path.txt": [404, FLASK_404],
    "11f-get-root.txt": [404, FLASK_404],
    "11j-get-old-v1-path.txt": [404, FLASK_404],
    "11k-get-old-v1-stream.txt": [404, FLASK_404],
  },
  "v7.0.0": {
    "06b-put-start-loop-script-without-script-args.txt": [500, "Internal Server Error"],
    "08a-get-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08b-put-invalid-state.txt": [422, `state: Input should be ${STATES}`],
    "08c-put-unknown-procedure-id.txt": [404, "No information available for PID=99"],
    "08d-post-malformed-json.txt": [422, "11: JSON decode error"],
    "08e-post-missing-script.txt": [422, "script: Field required"],
    "08f-post-missing-script-uri.txt": [422, "script.filesystem.script_uri: Field required"],
    "08g-post-unsupported-script-type.txt": [
      422,
      "script: Input tag 'oda' found using 'script_type' does not match any of the expected tags: 'filesystem', 'git'",
    ],
    "08h-post-script-uri-wrong-prefix.txt": [
      422,
      "script.filesystem: Value error, Incorrect prefix for FileSystemScript: /srv/oet/scripts7/echo_args.py",
    ],
    "08i-post-script-args-not-object.txt": [
      422,
      "script_args: Input should be a valid dictionary or object to extract fields from",
    ],
    "08j-post-without-content-type.txt": [
      422,
      "Input should be a valid dictionary or object to extract fields from",
    ],
    "08k-put-empty-body.txt": [422, "Field required"],
    "08l-get-non-integer-id.txt": [
      422,
      "path.procedure_id: Input should be a valid integer, unable to parse string as an integer",
    ],
    "08q-post-git-unreachable-repo-create-env.txt": [500, GIT_FAILURE],
    "08u-put-start-second-while-first-running.txt": [
      500,
      "Cannot start PID 10: PID #9 is ProcedureState.RUNNING",
    ],
    "09m-post-activity-unknown-sbd-id.txt": [
      500,
      "The requested identifier sbd-does-not-exist could not be found.",
    ],
    "09n-post-activity-unknown-activity-name.txt": [
      500,
      "Activity 'nosuchactivity' not present in the SBDefinition sbd-t0001-20250403-00001",
    ],
    "09o-get-unknown-activity-id.txt": [404, "No information available for ID=99"],
    "09p-get-activity-id-consumed-by-failed-request.txt": [
      404,
      "No information available for ID=4",
    ],
    "09q-post-activity-missing-sbd-id.txt": [422, "sbd_id: Field required"],
    "10d-get-pruned-procedure-1.txt": [404, "No information available for PID=1"],
    "11d-delete-procedure-method-not-allowed.txt": [405, "Method Not Allowed"],
    "11e-get-unknown-path.txt": [404, "Not Found"],
    "11f-get-root.txt": [404, "Not Found"],
    "11g-head-procedures.txt": [405, "Method Not Allowed"],
    "11j-get-old-v1-path.txt": [404, "Not Found"],
  },
};

function clientFor(origin: string, basePath: string): OetClient {
  return new OetClient(
    new Transport({
      fetch,
      baseUrl: new URL(origin + basePath),
      timeoutMs: 5000,
      userAgent: "oet/test",
    }),
  );
}

// deno-lint-ignore no-explicit-any
type Raw = any;

/** What a recorded request asks for, as a client call. */
interface PlannedCall {
  run(client: OetClient): Promise<unknown>;
  /** The path the client must send (7.x collections with their slash). */
  path: string;
  method: string;
}

function plan(version: Version, t: Transcript): PlannedCall {
  const base = BASE[version];
  const url = new URL(t.request.url);
  const path = url.pathname;
  const slash = version === "v7.0.0" ? "/" : "";
  let body: Raw;
  try {
    body = t.request.body === undefined ? undefined : JSON.parse(t.request.body);
  } catch {
    body = undefined;
  }
  const id = Number(path.match(/\/(\d+)$/)?.[1] ?? 1);
  const isProcedures = /\/procedures/.test(path);
  const isActivities = /\/activities/.test(path);
  const one = /\/(procedures|activities)\/[^/]+$/.test(path);
  if (t.request.method === "POST" && isProcedures) {
    const script = body?.script ?? {};
    const isGit = script.script_type === "git";
    return {
      method: "POST",
      path: `${base}/procedures${slash}`,
      run: (c) =>
        c.createProcedure({
          scriptUri: script.script_uri ?? "file:///x.py",
          scriptType: isGit ? "git" : "filesystem",
          git: isGit
            ? { repo: script.git_args?.git_repo, branch: script.git_args?.git_branch }
            : undefined,
          createEnv: script.create_env,
          init: body?.script_args?.init ?? { args: [], kwargs: {} },
        }),
    };
  }
  if (t.request.method === "PUT") {
    return {
      method: "PUT",
      path: `${base}/procedures/${id}`,
      run: (c) =>
        body?.state === "STOPPED"
          ? c.stopProcedure(id, body.abort === true)
          : c.startProcedure(id, body?.script_args?.main ?? { args: [], kwargs: {} }),
    };
  }
  if (t.request.method === "POST" && isActivities) {
    return {
      method: "POST",
      path: `${base}/activities${slash}`,
      run: (c) =>
        c.runActivity({
          activityName: body?.activity_name ?? "allocate",
          sbdId: body?.sbd_id ?? "sbd-x",
          scriptArgs: body?.script_args ?? {},
          prepareOnly: body?.prepare_only ?? false,
          createEnv: false,
        }),
    };
  }
  if (isActivities && one) {
    return { method: "GET", path: `${base}/activities/${id}`, run: (c) => c.getActivity(id) };
  }
  if (isActivities) {
    return { method: "GET", path: `${base}/activities${slash}`, run: (c) => c.listActivities() };
  }
  if (isProcedures && one) {
    return { method: "GET", path: `${base}/procedures/${id}`, run: (c) => c.getProcedure(id) };
  }
  // Anything else (unknown paths, DELETE, HEAD): the recorded answer is served
  // to a procedure list, to check how oet reports it.
  return { method: "GET", path: `${base}/procedures${slash}`, run: (c) => c.listProcedures() };
}

function checkProcedure(p: Procedure, raw: Raw): void {
  const id = raw.id ?? Number(String(raw.uri).split("/").at(-1));
  assert.equal(p.id, id);
  assert.equal(p.state, raw.state);
  assert.equal(p.uri, raw.uri);
  assert.equal(p.script.uri, raw.script.script_uri);
  assert.equal(p.script.type, raw.script.script_type);
  assert.deepEqual(
    p.history,
    raw.history.process_states.map(([state, time]: [string, number]) => ({ state, time })),
  );
  assert.equal(p.stacktrace, raw.history.stacktrace);
  assert.deepEqual(Object.keys(p.scriptArgs), Object.keys(raw.script_args ?? {}));
  for (const [fn, call] of Object.entries(raw.script_args ?? {}) as [string, Raw][]) {
    assert.deepEqual(p.scriptArgs[fn], { args: call.args, kwargs: call.kwargs });
  }
  if (raw.script.git_args) {
    assert.equal(p.script.git?.repo, raw.script.git_args.git_repo);
    assert.equal(p.script.git?.branch, raw.script.git_args.git_branch);
  }
  // -o json: the server's object with an integer id, every field kept.
  assert.deepEqual(p.raw, { id, ...raw });
  assert.equal(Object.keys(p.raw)[0], "id");
}

function checkActivity(a: Activity, raw: Raw): void {
  const id = raw.id ?? Number(String(raw.uri).split("/").at(-1));
  assert.equal(a.id, id);
  assert.equal(a.name, raw.activity_name);
  assert.equal(a.sbdId, raw.sbd_id);
  assert.equal(a.sbiId, raw.sbi_id);
  assert.equal(a.procedureId, raw.procedure_id);
  assert.equal(a.prepareOnly, raw.prepare_only);
  assert.equal(a.state, "TODO");
  assert.deepEqual(
    a.history,
    raw.activity_states.map(([state, time]: [string, number]) => ({ state, time })),
  );
  assert.deepEqual(a.raw, { id, ...raw });
}

function checkDecoded(value: unknown, body: string): void {
  const parsed: Raw = JSON.parse(body);
  if (Array.isArray(value)) {
    const items: Raw[] = Array.isArray(parsed) ? parsed : (parsed.procedures ?? parsed.activities);
    assert.equal(value.length, items.length);
    const sorted = [...items].sort((a, b) =>
      (a.id ?? Number(a.uri.split("/").at(-1))) - (b.id ?? Number(b.uri.split("/").at(-1)))
    );
    value.forEach((v, i) => ("sbdId" in v ? checkActivity : checkProcedure)(v, sorted[i]));
    return;
  }
  const v = value as Raw;
  if ("message" in v && "raw" in v && !("script" in v)) {
    assert.equal(v.message, parsed.abort_message);
    return;
  }
  if ("sbdId" in v) checkActivity(v, parsed.activity ?? parsed);
  else checkProcedure(v, parsed.procedure ?? parsed);
}

for (const version of ["v5.4.0", "v6.6.0", "v7.0.0"] as Version[]) {
  const dir = fixtureDir(version);
  const files = listTranscripts(dir);

  Deno.test(`${version}: every recorded exchange is either replayed or listed as not consumed`, () => {
    for (const name of Object.keys(NOT_CONSUMED[version])) assert.ok(files.includes(name), name);
    for (const name of Object.keys(ERRORS[version])) assert.ok(files.includes(name), name);
  });

  for (const name of files) {
    if (NOT_CONSUMED[version][name]) continue;
    Deno.test(`${version} ${name}`, async () => {
      const t = readTranscript(dir, name);
      const call = plan(version, t);
      const replay = new HttpDouble(
        replayed(t.responses, { method: call.method, url: call.path }),
      ).listen();
      try {
        const client = clientFor(replay.origin, BASE[version]);
        for (const response of t.responses) {
          const expected = ERRORS[version][name];
          if (response.status >= 200 && response.status < 300) {
            assert.equal(expected, undefined, "success file listed as an error");
            checkDecoded(await call.run(client), response.body);
          } else {
            assert.ok(expected, `no expected message for ${name}`);
            const err = await call.run(client).then(() => undefined, (e) => e);
            assert.ok(err instanceof HttpError, `expected HttpError, got ${err}`);
            assert.equal(err.status, expected[0]);
            assert.equal(err.serverMessage, expected[1]);
            assert.ok(err.message.includes(String(expected[0])));
          }
        }
        assert.equal(replay.remaining, 0);
        for (const seen of replay.requests) {
          assert.equal(seen.method, call.method);
          assert.equal(seen.path, call.path);
        }
        // What oet sends must be what the real server was sent, where the
        // recording sent a well-formed body.
        const recorded = t.request.body && t.responses[0].status < 300
          ? JSON.parse(t.request.body)
          : undefined;
        if (recorded && call.method !== "GET") {
          const sent = JSON.parse(replay.requests[0].body);
          if (recorded.script) {
            assert.equal(sent.script.script_uri, recorded.script.script_uri);
            assert.deepEqual(
              sent.script_args.init,
              recorded.script_args?.init ?? { args: [], kwargs: {} },
            );
          }
          if (recorded.state) assert.equal(sent.state, recorded.state);
          if (recorded.script_args?.main) {
            assert.deepEqual(sent.script_args.main, recorded.script_args.main);
          }
          if (recorded.state === "RUNNING") {
            assert.ok(sent.script_args.main, "main always sent on start");
          }
          if (recorded.sbd_id) {
            assert.equal(sent.sbd_id, recorded.sbd_id);
            assert.equal(sent.activity_name, recorded.activity_name);
            assert.ok(sent.script_args, "script_args always sent with an activity");
          }
        }
      } finally {
        await replay.close();
      }
    });
  }
}

Deno.test("v7: a 404 from a 7.x server on /api/v1.0 hints at the v7 API root", async () => {
  const t = readTranscript(fixtureDir("v7.0.0"), "11j-get-old-v1-path.txt");
  const replay = new HttpDouble(replayed(t.responses, { url: "/api/v1.0/procedures" })).listen();
  try {
    const err = await clientFor(replay.origin, "/api/v1.0").listProcedures().catch((e) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 404);
    assert.match(err.hint ?? "", /\/ska-oso-oet\/oet\/api\/v7/);
    // A wrong root names the URL that was tried; an unknown id does not need to.
    assert.equal(
      err.message,
      `HTTP 404: Not Found (GET ${replay.origin}/api/v1.0/procedures)`,
    );
  } finally {
    await replay.close();
  }
});

Deno.test("v5: a Flask 404 on a v7-style path hints at the 5.x/6.x API roots", async () => {
  const t = readTranscript(fixtureDir("v5.4.0"), "11g-get-unknown-path.txt");
  const replay = new HttpDouble(
    replayed(t.responses, { url: "/ska-oso-oet/oet/api/v7/procedures/" }),
  ).listen();
  try {
    const err = await clientFor(replay.origin, "/ska-oso-oet/oet/api/v7").listProcedures().catch((
      e,
    ) => e);
    assert.ok(err instanceof HttpError);
    assert.match(err.hint ?? "", /\/api\/v1\.0/);
  } finally {
    await replay.close();
  }
});

Deno.test("v7: an unknown-generation base path learns the trailing slash without following the 307", async () => {
  const list = readTranscript(fixtureDir("v7.0.0"), "03a-get-procedures-list.txt").responses[0];
  const replay = new HttpDouble().listen();
  try {
    // Behind a TLS ingress the Location can name another scheme and host:
    // oet must re-send to its own origin, not follow it.
    replay.stub(
      ...replayed([{
        status: 307,
        statusText: "Temporary Redirect",
        headers: { location: "http://elsewhere.invalid:5007/gw/oet/procedures/" },
        body: "",
      }], { url: "/gw/oet/procedures" }),
      ...replayed([list, list], { url: "/gw/oet/procedures/" }),
    );
    const client = clientFor(replay.origin, "/gw/oet");
    assert.equal((await client.listProcedures()).length, 1);
    assert.equal((await client.listProcedures()).length, 1);
    assert.deepEqual(replay.requests.map((r) => r.path), [
      "/gw/oet/procedures",
      "/gw/oet/procedures/",
      "/gw/oet/procedures/",
    ]);
  } finally {
    await replay.close();
  }
});

Deno.test("v7: a POST to an unknown-generation base is re-sent once with the slash, body intact", async () => {
  const created = readTranscript(
    fixtureDir("v7.0.0"),
    "02-post-create-procedure-with-init-args.txt",
  );
  const redirect = readTranscript(
    fixtureDir("v7.0.0"),
    "01d-post-procedures-without-trailing-slash-redirects.txt",
  ).responses[0];
  const replay = new HttpDouble().listen();
  try {
    replay.stub(
      ...replayed(
        [{ ...redirect, headers: { location: "https://gw.example/gw/oet/procedures/" } }],
        {
          method: "POST",
          url: "/gw/oet/procedures",
        },
      ),
      ...replayed([created.responses[0]], { method: "POST", url: "/gw/oet/procedures/" }),
    );
    const p = await clientFor(replay.origin, "/gw/oet").createProcedure({
      scriptUri: "file:///srv/oet/scripts7/echo_args.py",
      scriptType: "filesystem",
      init: { args: ["hello", 2], kwargs: { subarray_id: 1, verbose: true } },
    });
    assert.equal(p.id, 1);
    assert.deepEqual(replay.requests.map((r) => `${r.method} ${r.path}`), [
      "POST /gw/oet/procedures",
      "POST /gw/oet/procedures/",
    ]);
    assert.equal(replay.requests[1].body, replay.requests[0].body);
  } finally {
    await replay.close();
  }
});

Deno.test("v5: the 5.x base path never gets a trailing slash (it would 404)", async () => {
  const list = readTranscript(fixtureDir("v5.4.0"), "03a-get-procedures-list.txt").responses[0];
  const replay = new HttpDouble(replayed([list], { url: "/api/v1.0/procedures" })).listen();
  try {
    await clientFor(replay.origin, "/api/v1.0/").listProcedures();
    assert.equal(replay.requests[0].path, "/api/v1.0/procedures");
  } finally {
    await replay.close();
  }
});

Deno.test("5.4.0 dying on abort: an empty reply is a ConnectionError (reset)", async () => {
  // Read the request, close without a word: curl: (52) Empty reply from server.
  const server = startRawServer(async (conn) => void await conn.read(new Uint8Array(4096)));
  try {
    const err = await clientFor(server.origin, "/api/v1.0").stopProcedure(24, true)
      .catch((e) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.failure, "reset");
  } finally {
    await server.close();
  }
});

Deno.test("then connection refused: a ConnectionError (refused) naming the host", async () => {
  const port = closedPort();
  const err = await clientFor(`http://127.0.0.1:${port}`, "/api/v1.0").listProcedures().catch((e) =>
    e
  );
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.failure, "refused");
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

Deno.test("a 2xx body that is not the expected JSON names the field", async () => {
  const replay = new HttpDouble(replayed([
    {
      status: 200,
      statusText: "OK",
      headers: { "content-type": "application/json" },
      body: '{"procedure":{"uri":"http://x/procedures/1","state":7}}',
    },
    {
      status: 200,
      statusText: "OK",
      headers: { "content-type": "text/html" },
      body: "<html>proxy login</html>",
    },
  ], { url: "/api/v1.0/procedures/1" })).listen();
  try {
    const client = clientFor(replay.origin, "/api/v1.0");
    const e1 = await client.getProcedure(1).catch((e) => e);
    assert.ok(e1 instanceof ProtocolError);
    assert.match(e1.message, /procedure\.history is missing|procedure\.state/);
    const e2 = await client.getProcedure(1).catch((e) => e);
    assert.ok(e2 instanceof ProtocolError);
    assert.match(e2.message, /not JSON \(text\/html/);
  } finally {
    await replay.close();
  }
});
