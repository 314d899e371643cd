/**
 * The reliability matrix: every fault `oet` is tested against, what it does
 * and its exit code. Tests register themselves with `faultTest(id, …)` and
 * assert the row's exit code, so the table in docs/reliability.md (checked
 * by tests/unit/reliability_doc_test.ts, regenerated with UPDATE_GOLDEN=1)
 * cannot drift from what the tests prove. Rows kept in `EXTERNAL` point at
 * existing tests of other files, by name.
 */

/** One row: the fault, what oet does about it, and the exit code. */
export interface FaultRow {
  group: string;
  fault: string;
  does: string;
  exit: number;
}

/** The faults proven by the reliability tests, by test id. */
export const MATRIX = {
  "refused": {
    group: "network",
    fault: "connection refused",
    does: "one line naming the host and URL; hint: is the server running, is the URL right",
    exit: 4,
  },
  "dns": {
    group: "network",
    fault: "host name that does not resolve (`oet.invalid`)",
    does: "fails at once: cannot resolve host; hint: check the host name, DNS or VPN",
    exit: 4,
  },
  "tls-unknown-ca": {
    group: "network",
    fault: "https server whose certificate comes from a private CA",
    does: "TLS connection failed: UnknownIssuer; hint: NODE_EXTRA_CA_CERTS, DENO_CERT or " +
      "DENO_TLS_CA_STORE=system",
    exit: 4,
  },
  "tls-private-ca-trusted": {
    group: "network",
    fault: "the same server, its CA given in `NODE_EXTRA_CA_CERTS` or in `DENO_CERT`",
    does: "works",
    exit: 0,
  },
  "closed-mid-body": {
    group: "network",
    fault: "connection closed in the middle of a response body",
    does: "the connection was closed before the answer was complete; hint: the server may have " +
      "restarted",
    exit: 4,
  },
  "slow-headers": {
    group: "network",
    fault: "response headers slower than `--request-timeout`",
    does: "gives up after the request timeout: no answer within N s; hint: raise --request-timeout",
    exit: 4,
  },
  "https-to-http": {
    group: "network",
    fault: "redirect from https to http",
    does: "refuses to follow, names both URLs (credentials removed); hint: use the final URL if " +
      "it is trusted",
    exit: 4,
  },
  "http-500-text": {
    group: "answers",
    fault: "500 with a plain-text body (an unhandled 7.x error)",
    does: "HTTP 500 and the text; hint: the server failed without an OET message, its log has " +
      "the cause",
    exit: 1,
  },
  "http-502-html": {
    group: "answers",
    fault: "502 HTML page from a proxy",
    does: "HTTP 502 and the page title, never the HTML; hint: a proxy answered, the OET behind " +
      "it may be down",
    exit: 1,
  },
  "not-json": {
    group: "answers",
    fault: "200 whose body is not JSON (a proxy's login page), or JSON cut short",
    does: "names the content type and the start of the body; hint: is the URL the API root, or " +
      "is a proxy answering (JSON cut short: says so; hint: retry)",
    exit: 1,
  },
  "wrong-shape": {
    group: "answers",
    fault: "JSON of the wrong shape",
    does: "names the field that is wrong; hint: is it an OET 5.x-7.x API root",
    exit: 1,
  },
  "odd-pickle": {
    group: "answers",
    fault: "5.x event whose jsonpickle payload refers to itself, or holds bad base64",
    does: "decoded as far as plain JSON allows (the cycle is null, the text kept), printed; " +
      "`listen` goes on until Ctrl-C",
    exit: 130,
  },
  "list-10000": {
    group: "answers",
    fault: "10,000 procedures in one list",
    does:
      "the whole table (and the whole `-o json` array); rendering is linear in the rows (bench case 5)",
    exit: 0,
  },
  "stream-cut-mid-event": {
    group: "waiting",
    fault: "event stream cut in the middle of an event while `activity run` waits",
    does: "drops the half event, reconnects, says so in one plain line in order with the events " +
      "(the interval events may be missing from), re-reads the state, ends " +
      "on the confirmed final state; every `-o jsonl` line stays valid JSON",
    exit: 0,
  },
  "server-gone-start": {
    group: "waiting",
    fault: "the server shuts down while `procedure start` waits",
    does: "retries for `OET_RECONNECT_TIMEOUT`, then: lost the server while waiting, its outcome " +
      "is unknown; hint: how to follow it later",
    exit: 4,
  },
  "server-killed-run": {
    group: "waiting",
    fault: "the server process is killed (SIGKILL) while `activity run` waits",
    does: "the same: never 0, ends within the reconnect window",
    exit: 4,
  },
  "stuck-creating-run": {
    group: "waiting",
    fault: "`activity run` whose procedure stays in CREATING (the recorded 5.4.0 race)",
    does: "ends after `--prepare-timeout`: has not started running; hint: the known OET race",
    exit: 1,
  },
  "quiet-observation": {
    group: "waiting",
    fault: "a script silent for longer than `OET_RECONNECT_TIMEOUT`, the stream open and idle",
    does: "not a stall: keeps waiting without reconnecting, then exits with the outcome",
    exit: 0,
  },
  "bad-id": {
    group: "input",
    fault: "`--pid`/`--aid` not a whole number, zero, negative or huge",
    does: "usage error naming the option and the value; nothing sent",
    exit: 2,
  },
  "bad-script-args": {
    group: "input",
    fault:
      "`--script-args` malformed or wrongly shaped; bad keyword names in create/start (`--1bad=2`)",
    does: "usage error naming what is wrong; nothing sent",
    exit: 2,
  },
  "missing-file": {
    group: "input",
    fault: "`--script-args=@file` that does not exist",
    does: "usage error naming the file; nothing sent",
    exit: 2,
  },
  "unknown-command": {
    group: "input",
    fault: "unknown command or option",
    does: "usage error with a did-you-mean suggestion; nothing sent",
    exit: 2,
  },
  "option-typo": {
    group: "input",
    fault:
      "a near-miss of one of oet's own options among a script's arguments: one edit from a name of up to 4 letters, two from a longer one, a swap counting as one (`start --pdi=7`, `--timout 1s`; `--sbd`, `--big` reach the script)",
    does:
      "usage error with did-you-mean; nothing sent (`--kwarg name=value` sends such a name on purpose)",
    exit: 2,
  },
  "bad-url": {
    group: "input",
    fault: "server URL malformed or not http(s), from the flag, the environment or `.env`",
    does: "usage error naming the value (credentials removed) and where it came from; nothing sent",
    exit: 2,
  },
  "hostile-text": {
    group: "terminal",
    fault: "escape and control characters in script URIs, stack traces, event data, abort messages",
    does: "shown escaped (`\\x1b[2J`) in tables, describe, events and messages; `-o json` and " +
      "`-o jsonl` keep the exact text",
    exit: 0,
  },
  "hostile-stack": {
    group: "terminal",
    fault: "escape characters in the events and the stack trace of a procedure that FAILED",
    does: "`procedure wait` shows events and the stack trace tail escaped",
    exit: 3,
  },
  "hostile-error": {
    group: "terminal",
    fault: "escape and control characters in a server error message",
    does: "one escaped line",
    exit: 1,
  },
  "sigint-request": {
    group: "signals",
    fault: "Ctrl-C (SIGINT) while a request waits for its answer",
    does: "ends at once, without waiting for the answer; no stack trace",
    exit: 130,
  },
  "sigint-wait": {
    group: "signals",
    fault: "Ctrl-C while `procedure start` waits",
    does: "detaches at once: the work goes on, and how to follow or stop it",
    exit: 130,
  },
  "sigint-listen": {
    group: "signals",
    fault: "Ctrl-C during `oet listen`",
    does: "ends at once",
    exit: 130,
  },
  "sigint-twice": {
    group: "signals",
    fault: "the same Ctrl-C delivered twice a moment apart",
    does: "one interrupt: detaches with its message and its clean-up (a second Ctrl-C counts " +
      "from half a second on)",
    exit: 130,
  },
  "sigint-group": {
    group: "signals",
    fault:
      "Ctrl-C on a terminal while `deno task -q oet -- procedure start` waits (oet run from a " +
      "clone: the terminal signals oet, and `deno task` passes the signal on)",
    does: "detaches as for one Ctrl-C: the message, how to follow or stop it",
    exit: 130,
  },
  "sigterm": {
    group: "signals",
    fault: "SIGTERM while `procedure start` waits",
    does: "detaches as for Ctrl-C",
    exit: 143,
  },
  "stdout-closed": {
    group: "signals",
    fault: "`oet listen -o jsonl` piped into `head -1`",
    does: "ends quietly when the reader goes, nothing on stderr",
    exit: 0,
  },
  "credentials-in-url": {
    group: "secrets",
    fault: "user:password in the server URL (flag, `OET_REST_URI`, `.env`)",
    does: "never printed: errors, hints, notes, `OET_DEBUG=api` and `OET_DEBUG=1` show the URL " +
      "without them",
    exit: 4,
  },
} as const satisfies Record<string, FaultRow>;

/** The id of a row of the matrix. */
export type FaultId = keyof typeof MATRIX;

/** Rows proven by existing tests elsewhere, found by file and a literal part of the name. */
export const EXTERNAL: readonly (FaultRow & { file: string; test: string })[] = [
  {
    group: "waiting",
    fault:
      "a script that says something and ends at once: GET shows it COMPLETE before oet has read " +
      "its events (seen live on 5.4.0–8.0.0rc1), or the stream lags behind GET",
    does: "reads on to the procedure's own final state change (up to 2 s): every message, READY " +
      "and COMPLETE shown, in order, in text and `-o jsonl`",
    exit: 0,
    file: "tests/commands/live_findings_test.ts",
    test: "a short script's message, READY and COMPLETE are all shown (text)",
  },
  {
    group: "waiting",
    fault: "the event stream drops while a command waits, and events are published meanwhile",
    does: "reconnects, re-reads the state, and names the interval in which events may be missing " +
      "(`oet.stream.gap` line in `-o jsonl`)",
    exit: 0,
    file: "tests/commands/live_findings_test.ts",
    test: "a reconnection names the interval in which events may be missing (text and jsonl)",
  },
  {
    group: "waiting",
    fault: "stdout closed while `procedure start` or `activity run` waits (piped into `head -1`)",
    does: "detaches: says so on stderr with how to follow or stop it; nothing is stopped",
    exit: 141,
    file: "tests/commands/live_findings_test.ts",
    test:
      "stdout closed while start waits (piped into head -1): detached, exit 141, nothing stopped",
  },
  {
    group: "waiting",
    fault: "a start answered with HTTP 500 that the server carried out anyway (8.0.0rc1)",
    does: "watches the procedure for 2 s, finds it running, says the server reported an error, " +
      "and follows it to its end",
    exit: 0,
    file: "tests/commands/live_findings_test.ts",
    test: "a start answered 500 that the server carried out is followed to its end",
  },
  {
    group: "waiting",
    fault: "a start answered with HTTP 500 that did not start the procedure",
    does: "watches it for 2 s, sees no run, and reports the server's error",
    exit: 1,
    file: "tests/commands/live_findings_test.ts",
    test: "a 500 on start that did not start it stays an error (exit 1)",
  },
  {
    group: "waiting",
    fault: "a run oet started whose end the first read after the start already shows, the " +
      "stream 500 ms behind GET (`procedure start`, `activity run`)",
    does: "a run oet started is live: it reads on to the final state change all the same, every " +
      "message shown, in text and `-o jsonl`",
    exit: 0,
    file: "tests/commands/follow_findings_test.ts",
    test: "fix 1: the first read after the start already shows COMPLETE, the stream 500 ms " +
      "behind: every event is shown (text)",
  },
  {
    group: "waiting",
    fault: "an occasional 5xx on a read while a command waits (7.0.0's pypubsub \"Dead " +
      'Listener" error, live)',
    does: "retried within `OET_RECONNECT_TIMEOUT`, with one note; the wait goes on to its outcome",
    exit: 0,
    file: "tests/commands/follow_findings_test.ts",
    test: "fix 2: a 500 on a read while waiting is retried with one note",
  },
  {
    group: "waiting",
    fault: "a server that answers the reads of a wait 5xx for the whole reconnect window",
    does: "the server's error; hint: the work may still be going on, and how to follow it again",
    exit: 1,
    file: "tests/commands/follow_findings_test.ts",
    test: "fix 2: a server that answers reads 500 for the whole reconnect window: exit 1, its " +
      "error and the follow hint",
  },
  {
    group: "waiting",
    fault: "a static token (`OET_TOKEN`) that expires while `procedure start` waits",
    does: "detaches: the work was started and goes on, nothing stopped; hint: how to follow it " +
      "with a fresh token; `-o jsonl` still ends with its object as last read " +
      "(`OET_TOKEN_FILE` is read before each request, so a rotated file carries on)",
    exit: 5,
    file: "tests/commands/follow_findings_test.ts",
    test: "fix 3: a static token that expires during procedure start's wait ends it like a " +
      "detach: exit 5, the follow hint",
  },
  {
    group: "waiting",
    fault: "`procedure stop` against a server that refuses connections",
    does: "the ordinary cannot-reach error (the 5.4.0 abort-crash note only for a 5.x connection " +
      "dropped after a stop with abort was sent)",
    exit: 4,
    file: "tests/commands/follow_findings_test.ts",
    test: "fix 4: procedure stop against a server that refuses connections is the ordinary " +
      "cannot-reach (exit 4)",
  },
  {
    group: "waiting",
    fault: "`procedure wait` / `activity wait` on a procedure nobody started",
    does: "says it is READY and not started, with the start command; does not wait for ever",
    exit: 1,
    file: "tests/commands/live_findings_test.ts",
    test: "waiting on a procedure nobody started says so (exit 1), with the start command",
  },
  {
    group: "waiting",
    fault:
      "`activity wait` whose procedure the server has pruned (it keeps the 10 newest finished)",
    does: "the outcome is no longer known: UNKNOWN, with a hint",
    exit: 3,
    file: "tests/commands/live_findings_test.ts",
    test: "activity wait whose procedure the server pruned: outcome UNKNOWN (exit 3), with a hint",
  },
  {
    group: "waiting",
    fault: "prepare-only activity started later when the server's activity list has emptied for " +
      "good (7.x/8.x, after a failed create_env activity)",
    does: "finds the activity by id, sends its `sb_json`/`sbi_id`, and says so",
    exit: 0,
    file: "tests/commands/live_findings_test.ts",
    test: "prepare-only, then start, when the server's activity list has emptied for good (S2)",
  },
  {
    group: "waiting",
    fault: "5.x/6.x server with 4 worker threads: listeners and waits that end (a closed stream " +
      "holds its thread until the server writes to it twice)",
    does:
      "after closing its stream, oet sends two cheap requests (one on 7.x/8.x): no thread stays " +
      "held, the server keeps answering",
    exit: 0,
    file: "tests/commands/live_findings_test.ts",
    test: "finished listeners and waits leave no server thread held (4 workers)",
  },
  {
    group: "waiting",
    fault: "`oet listen --pid`/`--aid` for an id the server does not know",
    does: "one warning, then listens (the id may come)",
    exit: 130,
    file: "tests/commands/live_findings_test.ts",
    test: "listen --pid/--aid for ids the server does not know: one warning, then listening",
  },
  {
    group: "waiting",
    fault: "`procedure start` whose procedure stays in CREATING",
    does: "ends after `--prepare-timeout`, never sends the start; hint: the known OET race",
    exit: 1,
    file: "tests/commands/procedure_sim_test.ts",
    test: "a procedure stuck in CREATING (the servers' race) ends start with exit 1",
  },
  {
    group: "waiting",
    fault: "event stream dropped while `procedure start` waits (7.x drops streams after any " +
      "internal error)",
    does: "reconnects, says so once in order (one plain line), re-reads the state; ends on the " +
      "confirmed final state",
    exit: 0,
    file: "tests/commands/procedure_sim_test.ts",
    test: "a dropped event stream is resumed and the end is still seen",
  },
  {
    group: "waiting",
    fault: "the wait `--timeout` expires",
    does: "stops waiting, the work goes on; hint: how to follow it",
    exit: 124,
    file: "tests/commands/procedure_sim_test.ts",
    test: "--timeout ends the wait with 124",
  },
  {
    group: "answers",
    fault: "401 or 403 from a deployment behind SKA's AAA: no token sent, a token it rejects " +
      "(audience, issuer, signature, expiry), a role or scope missing; every generation",
    does: "names the case, the request and the server's words; hint: log in or set OET_TOKEN, a " +
      "token for this OET's audience, or the role or scope the endpoint needs",
    exit: 5,
    file: "tests/commands/auth_sim_test.ts",
    test: "401 and 403 answers: exit 5 with the messages of src/domain/aaa.ts",
  },
  {
    group: "input",
    fault: "a token that expired and cannot be renewed (`OET_TOKEN`, `OET_TOKEN_FILE`, a login " +
      "without a refresh token, a revoked refresh token)",
    does:
      "refused before anything is sent: its expiry and where it came from; hint: the way to a " +
      "new one",
    exit: 5,
    file: "tests/commands/auth_sim_test.ts",
    test: "an expired token that cannot be renewed is refused before sending: exit 5",
  },
  {
    group: "secrets",
    fault: "a server that quotes the token back in its 401/403 answer",
    does: "no part of it is printed, in the error or the `OET_DEBUG=api` trace: the answer is " +
      "redacted before a message is cut to length",
    exit: 5,
    file: "tests/commands/auth_sim_test.ts",
    test: "a token quoted in a 403 answer reaches",
  },
  {
    group: "secrets",
    fault: "a redirect to another origin while a token is configured",
    does: "followed without the token: `Authorization` goes only to the API root's own origin",
    exit: 0,
    file: "tests/commands/auth_sim_test.ts",
    test: "the token never goes to another origin: a redirect elsewhere is followed without it",
  },
  {
    group: "network",
    fault: "an `https://` URL for a server that speaks plain http",
    does: "HOST does not answer in TLS; hint: is the server plain http? try http://",
    exit: 4,
    file: "tests/commands/rough_edges_test.ts",
    test: "https to a plain-http server",
  },
  {
    group: "network",
    fault: "a 5.x/6.x server wedged: its 4 threads all held by event streams (no answer at all)",
    does: "no answer within N s; hint: the 4-thread limit and `oet doctor` (a 5.x/6.x root, or " +
      "one whose path does not say; not on a 7.x root)",
    exit: 4,
    file: "tests/commands/rough_edges_test.ts",
    test: "names the 4 threads and oet doctor",
  },
  {
    group: "answers",
    fault: "a 5.x root on a 6.x server (or the reverse): both serve the same 404 page",
    does: "HTTP 404; the usual roots of the origin probed once, as `oet doctor` does; hint: the " +
      "root that answers and how to set it",
    exit: 1,
    file: "tests/commands/rough_edges_test.ts",
    test: "v6 server, /api/v1.0 root",
  },
  {
    group: "input",
    fault:
      "`OET_REST_URI`, `OET_URL`, `OET_REQUEST_TIMEOUT` or `OET_RECONNECT_TIMEOUT` set but empty",
    does: "usage error naming the variable; nothing sent; `.env` does not fill it (an empty " +
      "`OET_TOKEN` counts as unset, with a note)",
    exit: 2,
    file: "tests/commands/rough_edges_test.ts",
    test: "is exit 2 naming it, nothing sent",
  },
  {
    group: "answers",
    fault: "a 7.x/8.x activity list that came back empty for good while activities exist (S2)",
    does: "`activity list` (and `-o json`, `--watch`, `--aid` completion) reads them one by one " +
      "by id, with one note naming the server bug",
    exit: 0,
    file: "tests/commands/rough_edges_test.ts",
    test: "activity list, its -o json and --aid completion find the activities by id",
  },
  {
    group: "answers",
    fault: "`activity run` of a name the SB does not have (every generation answers 500)",
    does: "HTTP 500 and the server's message; hint: the SB has no activity of that name",
    exit: 1,
    file: "tests/commands/rough_edges_test.ts",
    test: "activity run of a name the SB does not have gets a hint",
  },
  {
    group: "terminal",
    fault: "stdout on a full disk (`oet procedure list >/dev/full`)",
    does: "cannot write to stdout: No space left on device (a plain message, not 'a bug')",
    exit: 1,
    file: "tests/e2e/write_failures_test.ts",
    test: "list >/dev/full is exit 1 with a plain message",
  },
  {
    group: "terminal",
    fault: "the answer of `procedure create`, `start --listen=False` or `activity run " +
      "--listen=False` cannot be written",
    does: "says on stderr what was created or started, with its id and how to see it",
    exit: 1,
    file: "tests/e2e/write_failures_test.ts",
    test: "create -o id >/dev/full prints the new id on stderr and exits 1",
  },
  {
    group: "terminal",
    fault: "a watched table taller than the window, or the window resized while watching",
    does: "each frame fitted to the window (the oldest rows left out, said in one line; lines " +
      "cut, never wrapped), redrawn after a resize; no copy per frame in the scrollback; the " +
      "whole last frame kept there when the watch ends",
    exit: 130,
    file: "tests/unit/watch_redraw_test.ts",
    test: "a table taller than the window keeps its header and newest rows",
  },
  {
    group: "terminal",
    fault: "`--watch -o jsonl` while the event stream announces states before a read shows them",
    does: "each object keeps the server's values; the announced state is in `derived_state` and " +
      "`unconfirmed_states`, never in the server's `history`",
    exit: 130,
    file: "tests/commands/watch_test.ts",
    test: "makes up no history",
  },
];

/** Registers the test of one matrix row; `fn` gets the row to assert its exit code. */
export function faultTest(
  id: FaultId,
  fn: (row: FaultRow) => Promise<void>,
  options: { ignore?: string } = {},
): void {
  const row = MATRIX[id];
  Deno.test({
    name: `[${id}] ${row.fault}: exit ${row.exit}${
      options.ignore ? ` (SKIPPED: ${options.ignore})` : ""
    }`,
    ignore: options.ignore !== undefined,
    fn: () => fn(row),
  });
}
