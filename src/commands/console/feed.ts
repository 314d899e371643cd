/**
 * The console's one event stream, read through the follow room's
 * subscription (the stream every waiting command reads: reconnects with
 * back-off, the gap of each outage, the server's thread freed on close)
 * into the console's own printer, a FollowSink as the follow room's
 * printers are. The follow room's `follow` entry follows one piece of work
 * to its end; the console watches every procedure and never ends, so it
 * keeps one subscription open for as long as it runs instead.
 *
 * A monitor does not give up: a stream that cannot be (re)opened — the
 * server refuses connections, is unknown, or refuses the token — is
 * reported and tried again with back-off until the user quits, and the
 * reopening after such an outage reports its gap too.
 */

import type { OetClient } from "../../api/client.ts";
import { backoffDelay } from "../../api/events.ts";
import type { StreamGap } from "../../domain/types.ts";
import type { FollowSink } from "../follow/follower.ts";
import { Subscription } from "../follow/subscription.ts";
import type { CommandContext } from "../framework/command_context.ts";

/** What the console shows of its stream, besides the events, gaps and notes of a FollowSink. */
export interface ConsolePrinter extends FollowSink {
  /** The stream is open (again). */
  opened(): void;
  /** The stream could not be opened, or was lost for longer than the reconnect window. */
  failed(err: unknown, retryMs: number): void;
  /**
   * A note about the stream; `since`, for an outage (the stream is being
   * reopened), is when its last data came.
   */
  note(message: string, since?: number): void;
}

/**
 * How long one pull waits before it pulls again. Short: each pull holds a
 * timer until it fires, and a fast run makes hundreds of pulls a second.
 */
const PULL_MS = 1_000;

/** Reads the stream into `printer` until `signal` ends, through every outage; then frees its thread. */
export async function runFeed(
  ctx: CommandContext,
  client: OetClient,
  printer: ConsolePrinter,
  signal: AbortSignal,
): Promise<void> {
  let attempt = 0;
  // When the last data came, for the gap of a reopening after a failure.
  let lastData: number | undefined;
  while (!signal.aborted) {
    let sub: Subscription | undefined;
    // Quitting closes the subscription, which ends a pull under way. (Not a race of each
    // pull against a promise that lives as long as the console: every race would leave a
    // reaction on it, holding that pull's events, for as long as the console runs.)
    let closing: Promise<void> | undefined;
    const onAbort = () => void (closing = sub?.close());
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      sub = await Subscription.open(ctx, client, (m, since) => printer.note(m, since));
      attempt = 0;
      if (lastData !== undefined) {
        const gap: StreamGap = {
          from: lastData,
          to: ctx.clock.now(),
          reason: "the server could not be reached",
        };
        printer.gap(gap);
      }
      printer.opened();
      lastData = ctx.clock.now();
      while (!signal.aborted) {
        const item = await sub.next(PULL_MS);
        if (item === undefined) continue;
        if (item.kind === "open") {
          if (item.reconnected) printer.gap(item.gap);
          printer.opened();
        } else for (const e of item.events) printer.event(e);
        lastData = ctx.clock.now();
      }
    } catch (err) {
      if (signal.aborted) break;
      const retryMs = backoffDelay(attempt++, ctx.random, 500, 10_000);
      printer.failed(err, retryMs);
      await ctx.clock.sleep(retryMs, signal).catch(() => {});
    } finally {
      signal.removeEventListener("abort", onAbort);
      // Thread courtesy: the server frees the thread that served this stream (wait for the
      // close quitting began: it ends with the request that makes the server notice).
      await (closing ?? sub?.close());
    }
  }
}
