/**
 * The next message a running script sends, caught on the event stream
 * within a time limit. The OET keeps no history of messages and the stream
 * has no replay (docs/servers.md, "No replay, no keep-alives"), so a
 * one-shot command cannot know the last message sent before it started:
 * this is what `oet status --message-wait` can honestly show instead.
 */

import type { OetClient } from "../../../api/client.ts";
import { announcedState, isFinal } from "../../../domain/states.ts";
import type { OetEvent } from "../../../domain/types.ts";
import type { CommandContext } from "../../framework/command_context.ts";
import { Subscription } from "../../follow/subscription.ts";

/** A script message and when it arrived (ms since the epoch). */
export interface CaughtMessage {
  text: string;
  at: number;
}

/** The topics of a script's own messages: 6.5+ and 7.x, and up to 6.4. */
const MESSAGE_TOPICS = new Set(["script.announce", "user.script.announce"]);

function messageOf(e: OetEvent, source: string): string | undefined {
  if (e.msgSrc !== source || !MESSAGE_TOPICS.has(e.topic)) return undefined;
  return typeof e.data.msg === "string" ? e.data.msg : JSON.stringify(e.data.msg ?? null);
}

function ended(e: OetEvent, source: string): boolean {
  return e.topic === "procedure.lifecycle.statechange" && e.msgSrc === source &&
    isFinal(announcedState(e));
}

/**
 * Listens up to `ms` for procedure `pid`'s next message; undefined when
 * none came (or the procedure ended first). The stream is always closed,
 * and the server made to free its thread, before this returns.
 */
export async function nextScriptMessage(
  ctx: CommandContext,
  client: OetClient,
  pid: number,
  ms: number,
): Promise<CaughtMessage | undefined> {
  const sub = await Subscription.open(ctx, client, () => {});
  const source = String(pid);
  try {
    const until = ctx.clock.now() + ms;
    for (;;) {
      const left = until - ctx.clock.now();
      if (left <= 0) return undefined;
      const item = await sub.next(left);
      if (!item) return undefined;
      if (item.kind !== "events") continue;
      for (const e of item.events) {
        const text = messageOf(e, source);
        if (text !== undefined) return { text, at: ctx.clock.now() };
        if (ended(e, source)) return undefined;
      }
    }
  } finally {
    await sub.close(pid);
  }
}
