/**
 * Fidelity: every recorded exchange of OET 5.4.0, 6.6.0 and 7.0.0 is replayed
 * against the simulator in the matching flavour, in the recorded order, with
 * the recorded methods, paths and bodies. Each answer must have the recorded
 * status, content type, JSON dialect, keys (in order), value types and
 * values, apart from timestamps, hosts, temp-file names and dates. Between
 * steps the replay waits, as the recording did, until the simulator has
 * settled and every procedure in the recorded answer is in the recorded
 * state.
 *
 * The event streams recorded alongside are checked too: the same set of
 * (topic, msg_src, has id) kinds, on 7.0.0 the same three stream deaths, and
 * on 6.6.0 streams that survive every error until the recording closes them.
 */

import assert from "node:assert/strict";
import { fixtureDir, listTranscripts, readTranscript } from "../support/transcripts.ts";
import { startSim } from "../support/sim.ts";
import type { Flavor } from "../../sim/src/flavor.ts";
import { type CompareContext, compareResponse, recordedStates, simRequest } from "./replay.ts";
import { until as waitUntil } from "../support/wait.ts";
import { openStream, parseEvents, type StreamCapture } from "./sse_reader.ts";

type Version = "v5.4.0" | "v6.6.0" | "v7.0.0";

/** Recorded exchanges deliberately not replayed, with the reason (also in sim/README.md). */
export const SKIPPED: Record<Version, Record<string, string>> = {
  "v5.4.0": {
    "11c-get-resolved-spec-for-swagger-ui.txt": "no Swagger UI (nor its resolved spec) is served",
    "11d-get-swagger-ui.txt": "no Swagger UI is served",
    "12c-put-stop-loop-script-abort-true.txt":
      "5.4.0 crashes on abort=true (wrong abort.py path); the simulator runs the abort script instead",
    "12d-get-procedures-after-abort.txt": "shows the connection refused after the 12c crash",
  },
  "v6.6.0": {},
  "v7.0.0": {
    "11c-get-swagger-ui.txt": "no Swagger UI is served",
  },
};

/** Directory entries that are not single exchanges, and where they are checked. */
const AUXILIARY: [RegExp, string][] = [
  [/\.raw$/, "SSE captures: compared below and in sse_test.ts"],
  [/\.stderr$/, "curl's message for a cut stream: asserted below as a cut"],
  [/^race-condition-run$/, "an upstream race that kills the 5.4.0 SES thread: not reproduced"],
];

interface StreamPlan {
  openBefore: string;
  /** 7.0.0: the step at which the server closed every stream. */
  cutAfter?: string;
  /** 6.6.0: the step after which the recording's client closed the stream. */
  closeAfter?: string;
  raw: string;
}

const STREAMS: Record<Version, StreamPlan[]> = {
  "v5.4.0": [{ openBefore: "01-get-procedures-empty.txt", raw: "05-sse-stream.raw" }],
  "v6.6.0": [
    {
      openBefore: "01a-get-procedures-empty.txt",
      closeAfter: "13c-get-short-script-complete.txt",
      raw: "05-sse-stream.raw",
    },
    {
      openBefore: "13a-post-create-short-script.txt",
      closeAfter: "13c-get-short-script-complete.txt",
      raw: "13-sse-stream-short-script.raw",
    },
  ],
  "v7.0.0": [
    {
      openBefore: "01a-get-procedures-empty.txt",
      cutAfter: "08q-post-git-unreachable-repo-create-env.txt",
      raw: "05-sse-stream.raw",
    },
    {
      openBefore: "08r-post-create-loop-script-again.txt",
      cutAfter: "08u-put-start-second-while-first-running.txt",
      raw: "05b-sse-stream-reconnected.raw",
    },
    {
      openBefore: "09a-post-activity-run.txt",
      cutAfter: "09m-post-activity-unknown-sbd-id.txt",
      raw: "05c-sse-stream-activities.raw",
    },
  ],
};

const STEP_MS = 10;
/** One script tick (five lifecycle steps). */
const TICK_MS = 5 * STEP_MS;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const FLAVOR: Record<Version, Flavor> = { "v5.4.0": "v5", "v6.6.0": "v6", "v7.0.0": "v7" };
const ORIGIN: Record<Version, string> = {
  "v5.4.0": "http://127.0.0.1:5000",
  "v6.6.0": "http://127.0.0.1:5606",
  "v7.0.0": "http://127.0.0.1:5007",
};

/** (topic, msg_src with pids generalised, has id) of every event in a capture. */
function eventKinds(raw: string): string[] {
  const kinds = new Set<string>();
  for (const ev of parseEvents(raw)) {
    const data = JSON.parse(ev.data);
    const src = /^\d+$/.test(data.msg_src) ? "<pid>" : data.msg_src;
    kinds.add(`${data.topic} ${src} ${ev.id ? "id" : "no-id"}`);
  }
  return [...kinds].sort();
}

function lastTopic(raw: string): string {
  const events = parseEvents(raw);
  return JSON.parse(events[events.length - 1].data).topic;
}

async function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (id = setTimeout(() => r("timeout"), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(id);
  }
}

for (const version of ["v5.4.0", "v6.6.0", "v7.0.0"] as const) {
  Deno.test(`fidelity: every recorded ${version} exchange replayed on the simulator`, async (t) => {
    const dir = fixtureDir(version);
    const files = listTranscripts(dir);
    const skipped = SKIPPED[version];
    for (const name of Object.keys(skipped)) {
      assert.ok(files.includes(name), `skip list names ${name}, which is not recorded`);
    }
    for (const entry of Deno.readDirSync(dir)) {
      if (files.includes(entry.name)) continue;
      assert.ok(
        AUXILIARY.some(([re]) => re.test(entry.name)),
        `${version}/${entry.name} is neither replayed, skipped nor known auxiliary`,
      );
    }
    const replayed = files.filter((f) => !(f in skipped));
    assert.ok(replayed.length > 70, `only ${replayed.length} exchanges to replay`);

    const sim = startSim({ flavor: FLAVOR[version], stepMs: STEP_MS });
    const open: { plan: StreamPlan; stream: StreamCapture }[] = [];
    try {
      for (const name of replayed) {
        for (const plan of STREAMS[version].filter((p) => p.openBefore === name)) {
          open.push({ plan, stream: await openStream(`${sim.baseUrl}/stream`) });
        }
        await t.step(name, async () => {
          const transcript = readTranscript(dir, name);
          const url = new URL(transcript.request.url);
          const ctx: CompareContext = {
            recordedOrigin: ORIGIN[version],
            simOrigin: sim.origin,
            partialHistory: transcript.request.method === "POST" &&
              /\/procedures\/?$/.test(url.pathname),
          };
          const diffs: string[] = [];
          for (const [i, recorded] of transcript.responses.entries()) {
            await sim.settle();
            // The recording paused at least a second between steps: let a
            // running script get a tick in, so its messages reach the stream.
            // A pause, not a wait for an event: the simulator tells no tick
            // (its `onChange` has no such change). The step's own checks do
            // not hang on it (states are awaited below); it only gives the
            // script's messages a chance to reach the open streams first.
            if (sim.state.procedures().some((p) => p.state === "RUNNING")) await delay(TICK_MS);
            if (!ctx.partialHistory && /json/.test(recorded.headers["content-type"] ?? "")) {
              for (const [id, state] of recordedStates(recorded.body)) {
                await waitUntil(
                  () => sim.state.procedure(id)?.state === state,
                  `procedure ${id} to be ${state} (now ${sim.state.procedure(id)?.state})`,
                );
              }
            }
            const res = await fetch(simRequest(transcript.request, sim));
            let body: string;
            let expected = recorded;
            if (recorded.headers["content-type"]?.startsWith("text/event-stream")) {
              // An event stream never ends (curl timed out): compare the first chunk.
              const reader = res.body!.getReader();
              body = new TextDecoder().decode((await reader.read()).value);
              await reader.cancel();
              expected = { ...recorded, body: recorded.body.slice(0, 1) };
            } else body = await res.text();
            diffs.push(
              ...compareResponse(expected, res.status, res.headers, body, ctx).map((d) =>
                transcript.responses.length > 1 ? `#${i + 1} ${d}` : d
              ),
            );
          }
          assert.deepEqual(diffs, [], `${name} differs from the recording`);
        });
        for (const { plan, stream } of open.filter((o) => o.plan.closeAfter === name)) {
          await t.step(`stream ${plan.raw} survived until the client closed it`, async () => {
            await sim.settle();
            assert.equal(await settledWithin(stream.ended, 0), "timeout", "ended by the server");
            await stream.cancel();
          });
        }
        for (const { plan, stream } of open.filter((o) => o.plan.cutAfter === name)) {
          await t.step(`stream ${plan.raw} is cut after ${name}`, async () => {
            assert.equal(await settledWithin(stream.ended, 2000), "cut");
            const recorded = new TextDecoder().decode(Deno.readFileSync(new URL(plan.raw, dir)));
            assert.equal(lastTopic(stream.raw()), lastTopic(recorded));
          });
        }
      }
      await t.step("event kinds on each stream match the recorded streams", async () => {
        await sim.settle();
        for (const { plan, stream } of open) {
          const recorded = new TextDecoder().decode(Deno.readFileSync(new URL(plan.raw, dir)));
          assert.deepEqual(eventKinds(stream.raw()), eventKinds(recorded), plan.raw);
        }
      });
    } finally {
      for (const { stream } of open) await stream.cancel();
      await sim.close();
    }
  });
}
