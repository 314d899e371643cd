/**
 * The console's one event stream. The console is a monitor: it never ends
 * on its own, so a stream that cannot be (re)opened — the server refuses
 * connections, is unknown, or refuses the token — is reported and tried
 * again with backoff until the user quits, and every reopening after data
 * was lost reports the gap.
 *
 * This is the one place the console reads the stream (the swap to the
 * follow room's entry, with the console's printer, happens here).
 */

import type { OetClient } from "../../api/client.ts";
import { backoffDelay, readEventStream } from "../../api/events.ts";
import type { OetEvent, StreamGap } from "../../domain/types.ts";
import type { CommandContext } from "../framework/command_context.ts";

/** What the feed tells the console. */
export interface FeedPrinter {
  /** The stream is open; `gap` when events were lost before. */
  opened(gap?: StreamGap): void;
  /** Events, in order, as they arrive. */
  events(events: OetEvent[]): void;
  /** The stream dropped and is being reopened. */
  down(since: number): void;
  /** The stream could not be opened; another try follows after `retryMs`. */
  failed(err: unknown, retryMs: number): void;
}

/** Reads the stream until `signal` ends, through every outage. */
export async function runFeed(
  ctx: CommandContext,
  client: OetClient,
  printer: FeedPrinter,
  signal: AbortSignal,
): Promise<void> {
  let attempt = 0;
  // When the last data arrived, for the gap of a reopening after a failure.
  let lastData: number | undefined;
  let downSince: number | undefined;
  while (!signal.aborted) {
    try {
      const stream = readEventStream({
        transport: client.transport,
        url: client.streamUrl(),
        signal,
        sleep: ctx.clock.sleep,
        now: ctx.clock.now,
        random: ctx.random,
        onNotice: () => {
          downSince ??= ctx.clock.now();
          printer.down(downSince);
        },
        reconnectWindowMs: ctx.reconnectWindowMs,
      });
      for await (const item of stream) {
        if (item.kind === "open") {
          attempt = 0;
          downSince = undefined;
          if (item.reconnected) printer.opened(item.gap);
          else if (lastData !== undefined) {
            printer.opened({
              from: lastData,
              to: ctx.clock.now(),
              reason: "the server was unreachable",
            });
          } else printer.opened();
          lastData = ctx.clock.now();
          continue;
        }
        lastData = ctx.clock.now();
        printer.events(item.events);
      }
    } catch (err) {
      if (signal.aborted) return;
      const retryMs = backoffDelay(attempt++, ctx.random, 500, 10_000);
      printer.failed(err, retryMs);
      try {
        await ctx.clock.sleep(retryMs, signal);
      } catch {
        return;
      }
    }
  }
}
