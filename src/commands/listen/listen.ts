/**
 * `oet listen [--topic PATTERN…] [--pid N] [--aid N] [-o text|jsonl]`:
 * shows what the OET and its scripts publish, live, until Ctrl-C.
 */

import { readEventStream } from "../../api/events.ts";
import { HttpError, InterruptedError } from "../../domain/errors.ts";
import type { OetEvent } from "../../domain/types.ts";
import { formatJsonlEvent, formatJsonlGap, formatListenEvent } from "../../render/events.ts";
import type { StreamFormat } from "../../render/output.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { note, warn } from "../framework/feedback.ts";
import { eventProcedureId, idOf } from "../shared/event_procedure.ts";
import { gapNote } from "../follow/gap_note.ts";
import { aidOption, pidOption, streamOutputOption } from "../framework/options.ts";
import { defineCommand, listOption } from "../framework/spec.ts";

/** Options of `oet listen`. */
interface ListenOptions {
  topics: string[];
  pid?: number;
  aid?: number;
  output: StreamFormat;
}

/** `oet listen`: the live event stream. */
export const listenCommand = defineCommand({
  description:
    "Show the events the OET and its scripts publish, live, until Ctrl-C (exit 130). Filter by topic, procedure or activity.",
  usesServer: true,
  options: {
    topic: listOption(
      "topic",
      "only these topics: exact names, prefixes (procedure.lifecycle) or globs (procedure.*) (repeatable)",
      (t) => t,
      { valueName: "pattern" },
    ),
    pid: pidOption("only events about this procedure"),
    aid: aidOption("only events about this activity and its procedure"),
    output: streamOutputOption(),
  },
  examples: `# everything
oet listen
# lifecycle changes and script messages only
oet listen --topic procedure.lifecycle --topic script.announce
# one procedure's events as JSON lines
oet listen --pid 3 -o jsonl | jq .data`,
  run: (ctx, { opts }) =>
    listen(ctx, { topics: opts.topic, pid: opts.pid, aid: opts.aid, output: opts.output }),
});

/**
 * A topic filter. `procedure.lifecycle` and `procedure.lifecycle.*` match
 * that topic and everything below it; `*` matches any text; no pattern
 * matches everything.
 */
export function topicMatcher(patterns: readonly string[]): (topic: string) => boolean {
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((p) => {
    const base = p.endsWith(".*") ? p.slice(0, -2) : p;
    const body = base.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(
      ".*",
    );
    return new RegExp(`^${body}(\\..*)?$`);
  });
  return (topic) => regexes.some((r) => r.test(topic));
}

/** How many recent events an `--aid` filter holds back until the activity shows itself. */
const HELD_BACK = 2000;

/**
 * Keeps the events about one procedure or activity. An activity's events
 * are its `activity.lifecycle.running` reply, the events that share that
 * request's id, and everything about its procedure. That reply comes after
 * the procedure's first events (its creation), so while the activity is not
 * known yet, recent events are held back and the matching ones are let
 * through, in order, when it shows itself.
 */
class Scope {
  #pids = new Set<number>();
  #requestIds = new Set<string>();
  readonly #aid?: number;
  #held: OetEvent[] | undefined;

  constructor(pid?: number, aid?: number, activityPid?: number) {
    if (pid !== undefined) this.#pids.add(pid);
    if (activityPid !== undefined) this.#pids.add(activityPid);
    this.#aid = aid;
    if (aid !== undefined && activityPid === undefined) this.#held = [];
  }

  /** The events to show now, given one more event from the stream. */
  pass(e: OetEvent): OetEvent[] {
    if (
      this.#aid !== undefined && e.topic === "activity.lifecycle.running" &&
      idOf(e.data.result) === this.#aid
    ) {
      const pid = eventProcedureId(e);
      if (pid !== undefined) this.#pids.add(pid);
      if (e.id) this.#requestIds.add(e.id);
      const earlier = (this.#held ?? []).filter((h) => this.#keeps(h));
      this.#held = undefined;
      return [...earlier, e];
    }
    if (this.#keeps(e)) return [e];
    if (this.#held) {
      this.#held.push(e);
      if (this.#held.length > HELD_BACK) this.#held.shift();
    }
    return [];
  }

  #keeps(e: OetEvent): boolean {
    if (e.id && this.#requestIds.has(e.id)) return true;
    // A `request.procedure.list` naming the procedure is some client reading
    // it (every `oet procedure describe`, every poll): not an event about it.
    const pid = eventProcedureId(e);
    return pid !== undefined && this.#pids.has(pid);
  }
}

/** Runs `oet listen` until interrupted (or stdout closes). */
async function listen(ctx: CommandContext, o: ListenOptions): Promise<void> {
  const client = ctx.client();
  const matches = topicMatcher(o.topics);
  let activityPid: number | undefined;
  // An id the server does not know (yet) is said once; its events may still come.
  const unknown = (what: string) =>
    warn(ctx.io, `${what} is not known to the server (yet); listening for its events anyway`);
  if (o.aid !== undefined) {
    try {
      activityPid = (await client.getActivity(o.aid)).procedureId ?? undefined;
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
      unknown(`activity ${o.aid}`);
    }
  }
  if (o.pid !== undefined) {
    try {
      await client.getProcedure(o.pid);
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
      unknown(`procedure ${o.pid}`);
    }
  }
  const scope = o.pid === undefined && o.aid === undefined
    ? undefined
    : new Scope(o.pid, o.aid, activityPid);
  const format = o.output === "jsonl" ? formatJsonlEvent : formatListenEvent;
  const stream = readEventStream({
    transport: client.transport,
    url: client.streamUrl(),
    signal: ctx.signal,
    sleep: ctx.clock.sleep,
    now: ctx.clock.now,
    random: ctx.random,
    onNotice: (m) => note(ctx.io, m),
    reconnectWindowMs: ctx.reconnectWindowMs,
  });
  let first = true;
  try {
    for await (const item of stream) {
      if (item.kind === "open") {
        if (first && ctx.io.err.isTerminal) {
          note(ctx.io, `listening to ${client.streamUrl()}; press Ctrl-C to stop`);
        }
        first = false;
        if (item.reconnected) {
          gapNote(ctx.io, item.gap);
          if (o.output === "jsonl") ctx.io.out.write(formatJsonlGap(item.gap));
        }
        continue;
      }
      let text = "";
      for (const event of item.events) {
        for (const e of scope ? scope.pass(event) : [event]) {
          if (matches(e.topic)) text += format(e);
        }
      }
      // One write per network chunk: prompt, and cheap at high event rates.
      if (text) ctx.io.out.write(text);
    }
  } catch (err) {
    // Ctrl-C is how listening ends: nothing to report.
    if (err instanceof InterruptedError) {
      throw new InterruptedError(err.signal, "", { quiet: true });
    }
    throw err;
  } finally {
    // The stream is closed: make the server free the thread that served it.
    await client.nudge(o.pid ?? activityPid);
  }
}
