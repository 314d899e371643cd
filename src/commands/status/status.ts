/**
 * `oet status`: what the telescope is doing, on one screen — the server and
 * its generation, the procedure that is running (its script, how long it has
 * been running, its activity), and the most recent procedures and
 * activities with their states. Two list reads; no event stream unless
 * `--message-wait` asks for the running script's next message (the OET
 * keeps no message history: see watch/next_message.ts). Exit 0 whatever
 * the procedures' states.
 */

import type { Generation, OetClient } from "../../api/client.ts";
import { deriveActivityState } from "../../domain/activity_state.ts";
import { escapeInline } from "../../domain/escape.ts";
import { redactUrl } from "../../domain/redact.ts";
import { isStartPending, stateName } from "../../domain/states.ts";
import type { Activity, Json, JsonObject, Procedure } from "../../domain/types.ts";
import { activityTable } from "../../render/activities.ts";
import { paintState } from "../../render/colour.ts";
import { jsonText } from "../../render/output.ts";
import { procedureTable } from "../../render/procedures.ts";
import { formatClock, formatTime } from "../../render/time.ts";
import { elapsedText } from "../../render/watch.ts";
import { latestActivityId } from "../shared/activity_lookup.ts";
import { DERIVED_STATE_KEY } from "../shared/output/activities.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { type Duration, parseDurationValue } from "../framework/options.ts";
import { defaultedOption, defineCommand, valueOption } from "../framework/spec.ts";
import type { CaughtMessage } from "../shared/watch/next_message.ts";
import { oetCommand } from "../shared/target/hint.ts";
import { describeContext, summarizeTarget, type TargetSummary } from "../../config/target.ts";

/** How many procedures and activities status shows. */
const RECENT = 5;

const GENERATIONS: Record<Generation, string> = {
  "5": "OET 5.x",
  "6": "OET 6.x",
  "5/6": "OET 5.x or 6.x",
  "7+": "OET 7.x or later",
};

/** What status found. */
interface Status {
  url: string;
  /** Which context is in effect, and why. */
  target: TargetSummary;
  /** The context line of the text form, when there is one to say. */
  contextLine?: string;
  /** "oet procedure wait --pid N" for this target. */
  follow(words: string): string;
  generation?: Generation;
  procedures: Procedure[];
  /** The most recent activities (read by id when a 7.x/8.x list came back empty). */
  activities: Activity[];
  /** How many activities the list held; undefined when they were read by id. */
  activityCount?: number;
  running?: Procedure;
  /** A procedure whose start was sent but which is not RUNNING yet. */
  starting?: Procedure;
  activity?: Activity;
  /** undefined: not listened for; null: none came within the wait. */
  message?: CaughtMessage | null;
  waited?: Duration;
}

/** `oet status`. */
export const statusCommand = defineCommand({
  description:
    "Show what the OET is doing: the server and its generation, the procedure that is running (script, elapsed time, activity), and the most recent procedures and activities with their states. The OET keeps no history of script messages: --message-wait listens briefly for the running script's next one. Exits 0 whatever the states.",
  usesServer: true,
  options: {
    output: defaultedOption(
      "output",
      "output format: text or json (one document) (default text)",
      (text): "text" | "json" => {
        if (text === "text" || text === "json") return text;
        throw new Error("expected one of text, json");
      },
      "text",
      { short: "o", valueName: "format", choices: ["text", "json"] },
    ),
    messageWait: valueOption(
      "message-wait",
      "listen up to this long for the running script's next message, e.g. 5s (opens the event stream, then closes it; default: do not listen)",
      parseDurationValue,
      { valueName: "duration" },
    ),
  },
  examples: `# the server, what is running, the recent procedures and activities
oet status
# also wait up to 5 s for the running script's next message
oet status --message-wait 5s
# the running procedure's id, if any
oet status -o json | jq '.running.procedure.id'`,
  async run(ctx, { opts }) {
    const status = await readStatus(ctx, opts.messageWait);
    ctx.io.out.write(
      opts.output === "json"
        ? `${jsonText(statusJson(status, ctx.clock.now()), ctx.io.out.isTerminal)}\n`
        : await statusText(status, ctx.clock.now(), ctx.io.out.colour),
    );
  },
});

/** Reads the lists (and, if asked, the running script's next message). */
async function readStatus(ctx: CommandContext, wait: Duration | undefined): Promise<Status> {
  const client = ctx.client();
  const [procedures, listed] = await Promise.all([
    client.listProcedures(),
    client.listActivities(),
  ]);
  const generation = client.generation();
  let activities = listed.slice(-RECENT);
  let activityCount: number | undefined = listed.length;
  if (!listed.length && generation === "7+") {
    // A 7.x/8.x list can empty for good (docs/servers.md, S2): read the newest by id.
    activities = await recentById(client);
    activityCount = activities.length ? undefined : 0;
  }
  const running = procedures.findLast((p) => p.state === "RUNNING");
  const target = await ctx.target();
  const status: Status = {
    url: redactUrl(client.baseUrl),
    target: summarizeTarget(target),
    contextLine: describeContext(target),
    follow: (words) => oetCommand(ctx, words),
    generation,
    procedures,
    activities,
    activityCount,
    running,
    starting: running ? undefined : procedures.findLast(isStartPending),
    activity: running ? activities.find((a) => a.procedureId === running.id) : undefined,
  };
  if (running && wait) {
    const { nextScriptMessage } = await import("../shared/watch/next_message.ts");
    status.message = (await nextScriptMessage(ctx, client, running.id, wait.ms)) ?? null;
    status.waited = wait;
  }
  return status;
}

/** The newest activities, read by id (newest first, then put in order). */
async function recentById(client: OetClient): Promise<Activity[]> {
  const latest = await latestActivityId(client);
  const found: Activity[] = [];
  for (let id = latest; id >= 1 && found.length < RECENT && id > latest - 2 * RECENT; id--) {
    try {
      found.unshift(await client.getActivity(id));
    } catch {
      // An id a failed run used up, or one the server cannot summarise.
    }
  }
  return found;
}

function runSince(p: Procedure): number | undefined {
  const run = p.history.findLast((e) => e.state === "RUNNING");
  return run ? run.time * 1000 : undefined;
}

/** Why status cannot show the last message a script sent. */
const NO_HISTORY = "the OET keeps no history of script messages";

function seeLive(s: Status, pid: number): string {
  return `see them live with: ${s.follow(`procedure wait --pid ${pid}`)}`;
}

/** The text form. */
async function statusText(s: Status, nowMs: number, colour: boolean): Promise<string> {
  const lines: string[] = [];
  const field = (label: string, text: string) => lines.push(`${`${label}:`.padEnd(10)}${text}`);
  field(
    "Server",
    `${escapeInline(s.url)} (${s.generation ? GENERATIONS[s.generation] : "generation not known"})`,
  );
  if (s.contextLine) field("Context", escapeInline(s.contextLine));
  if (s.running) {
    const p = s.running;
    const since = runSince(p);
    const time = since === undefined
      ? ""
      : ` for ${elapsedText(nowMs - since)} (since ${formatTime(since / 1000)} UTC)`;
    field(
      "Running",
      `procedure ${p.id}, ${escapeInline(p.script.uri)}: ${paintState("RUNNING", colour)}${time}`,
    );
    if (s.activity) {
      const a = s.activity;
      field("Activity", `${a.id}, ${escapeInline(a.name)} of ${escapeInline(a.sbdId)}`);
    }
    if (s.message) {
      field("Message", `${escapeInline(s.message.text)} (at ${formatClock(s.message.at)} UTC)`);
    } else {
      field("Message", `${s.waited ? `none within ${s.waited.text}` : "not known"}: ${NO_HISTORY}`);
      lines.push(`${"".padEnd(10)}${seeLive(s, p.id)}`);
    }
  } else if (s.starting) {
    field(
      "Running",
      `nothing yet: procedure ${s.starting.id} (${
        escapeInline(s.starting.script.uri)
      }) was started and is about to run`,
    );
  } else field("Running", "nothing");

  const byId = new Map(s.procedures.map((p) => [p.id, p]));
  const recent = s.procedures.slice(-RECENT);
  lines.push("", `Procedures: ${count(recent.length, s.procedures.length)}`);
  if (recent.length) lines.push(await procedureTable(recent, colour));
  const activities = s.activityCount === undefined
    ? `the ${s.activities.length} most recent, read one by one (the server's list came back empty: the 7.x/8.x defect S2 in docs/servers.md)`
    : count(s.activities.length, s.activityCount);
  lines.push("", `Activities: ${activities}`);
  if (s.activities.length) lines.push(await activityTable(s.activities, byId, colour));
  return `${lines.join("\n")}\n`;
}

function count(shown: number, total: number): string {
  if (total === 0) return "none";
  return shown === total ? `${total}` : `${shown} most recent of ${total}`;
}

/** The `-o json` form: the server's objects as `-o json` of the lists prints them. */
function statusJson(s: Status, nowMs: number): Json {
  const byId = new Map(s.procedures.map((p) => [p.id, p]));
  const activityJson = (a: Activity): JsonObject => ({
    ...a.raw,
    [DERIVED_STATE_KEY]: stateName(deriveActivityState(
      a,
      a.procedureId === null ? undefined : byId.get(a.procedureId),
    )),
  });
  let running: Json = null;
  if (s.running) {
    const since = runSince(s.running);
    running = {
      procedure: s.running.raw,
      running_since: since === undefined ? null : since / 1000,
      elapsed_seconds: since === undefined ? null : Math.max(0, (nowMs - since) / 1000),
      activity: s.activity ? activityJson(s.activity) : null,
    };
  }
  return {
    server: { url: s.url, generation: s.generation ?? null },
    context: s.target.context,
    telescope: s.target.telescope,
    protected: s.target.protected,
    source: s.target.source,
    running,
    starting: s.starting?.raw ?? null,
    last_message: s.message
      ? { text: s.message.text, received: new Date(s.message.at).toISOString() }
      : null,
    last_message_note: s.running && !s.message
      ? `${s.waited ? `none within ${s.waited.text}` : "not known"}: ${NO_HISTORY}; ${
        seeLive(s, s.running.id)
      }`
      : null,
    procedure_count: s.procedures.length,
    procedures: s.procedures.slice(-RECENT).map((p) => p.raw),
    activity_count: s.activityCount ?? null,
    activities: s.activities.map(activityJson),
  };
}
