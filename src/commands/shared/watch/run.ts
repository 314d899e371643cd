/**
 * The watch loop behind `oet procedure list --watch` and `oet activity list
 * --watch`: subscribe, read, print the table, then follow the event stream
 * and show every change until Ctrl-C.
 *
 * The rules it keeps (docs/servers.md, "The event stream", "Timing"):
 * - Subscribe before the first read: the OET has no replay, so a change
 *   between a read and a later subscription would be lost.
 * - Events update the rows when they say enough (a state change of a known
 *   procedure); otherwise, and to confirm, the server is read again —
 *   coalesced (schedule.ts), never once per event.
 * - After a reconnect (7.x closes every stream on some errors) events were
 *   lost: say so on stderr and read everything again, so that no change is
 *   missed (a change that came and went in the gap is, and cannot be, shown).
 * - A read that fails for a moment (the server restarting) is retried
 *   within the reconnect window, as the stream is.
 * - Ctrl-C ends the watch quietly with 130; a closed stdout (`| head`)
 *   quietly with 0. The stream is then closed and the server made to free
 *   its thread (`Subscription.close`).
 */

import { backoffDelay } from "../../../api/events.ts";
import { redactUrl } from "../../../domain/redact.ts";
import { ConnectionError, HttpError, InterruptedError } from "../../../domain/errors.ts";
import type { CommandContext } from "../../framework/command_context.ts";
import { note } from "../../framework/feedback.ts";
import { gapNote } from "../../follow/gap_note.ts";
import { Subscription } from "../../follow/subscription.ts";
import { type WatchMode, WatchPrinter } from "./printer.ts";
import { CONFIRM_RETRY_MS, ReadSchedule } from "./schedule.ts";
import type { WatchSource } from "./source.ts";

/** How often a redrawn table with running rows is drawn again (their elapsed times). */
export const TICK_MS = 1_000;

function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError ||
    (err instanceof HttpError && [502, 503, 504].includes(err.status));
}

/**
 * Watches a source until interrupted (or stdout closes), printing in
 * `mode`. `make` gets the function that writes notes on stderr.
 */
export async function runWatch(
  ctx: CommandContext,
  make: (say: (message: string) => void) => WatchSource,
  mode: WatchMode,
): Promise<void> {
  const client = ctx.client();
  const printer = new WatchPrinter(ctx.io, mode);
  const say = (message: string) => printer.note(() => note(ctx.io, message));
  const source = make(say);
  let sub: Subscription | undefined;
  try {
    sub = await Subscription.open(ctx, client, say);
    const schedule = new ReadSchedule(ctx.clock.now());
    await source.read(ctx.clock.now());
    if (ctx.io.err.isTerminal) {
      const what = source.noun === "procedure" ? "procedures" : "activities";
      note(ctx.io, watchingLine(what, redactUrl(client.baseUrl), ctx.io.err.columns));
    }
    await printer.start(source, source.rows(), ctx.clock.now());
    await follow(ctx, sub, source, printer, schedule, say);
  } catch (err) {
    // Ctrl-C is how a watch ends: nothing to report.
    if (err instanceof InterruptedError) {
      try {
        printer.finish();
      } catch {
        // stdout is gone: nothing to keep
      }
      throw new InterruptedError(err.signal, "", { quiet: true });
    }
    throw err;
  } finally {
    await sub?.close(source.pid);
  }
}

/**
 * "watching procedures on URL; press Ctrl-C to stop", within `columns` on a
 * terminal (a wrapped line would sit above the redrawn table): shortened,
 * and if that is still too wide, cut with "…" like the frame's lines. The
 * URL is ASCII (a URL's href is), so its length is its width.
 */
export function watchingLine(what: string, url: string, columns?: number): string {
  const forms = [
    `watching ${what} on ${url}; press Ctrl-C to stop`,
    `watching ${what} on ${url} (Ctrl-C stops)`,
  ];
  if (columns === undefined || columns <= 0) return forms[0];
  const fits = forms.find((f) => f.length <= columns);
  return fits ?? `${forms[1].slice(0, Math.max(0, columns - 1))}…`;
}

/** The loop proper: never returns; ends by an exception. */
async function follow(
  ctx: CommandContext,
  sub: Subscription,
  source: WatchSource,
  printer: WatchPrinter,
  schedule: ReadSchedule,
  say: (message: string) => void,
): Promise<never> {
  const clock = ctx.clock;
  let nextTick = clock.now() + TICK_MS;
  let failingSince: number | undefined;
  let failures = 0;
  for (;;) {
    let now = clock.now();
    let wait = schedule.dueAt() - now;
    if (printer.ticks) wait = Math.min(wait, nextTick - now);
    const item = await sub.next(Math.max(0, wait));
    now = clock.now();
    let changed = false;
    if (item?.kind === "open" && item.reconnected) {
      printer.note(() => gapNote(ctx.io, item.gap));
      source.resync();
      schedule.now(now);
    } else if (item?.kind === "events") {
      for (const e of item.events) {
        const taken = source.take(e, now);
        if (taken.reread) schedule.soon(now);
        if (!taken.changed) continue;
        // Rows and lines show every change; a redrawn table shows where things are.
        if (printer.everyChange) await printer.update(source.rows(), now);
        else changed = true;
      }
    }
    if (now >= schedule.dueAt()) {
      schedule.started(now);
      try {
        await source.read(now);
        changed = true;
        failingSince = undefined;
        failures = 0;
        if (source.unconfirmed()) schedule.retry(clock.now(), CONFIRM_RETRY_MS);
      } catch (err) {
        if (!isTransient(err)) throw err;
        failingSince ??= now;
        if (now - failingSince >= ctx.reconnectWindowMs) throw err;
        if (failures === 0) {
          say(`could not read the server again (${(err as Error).message}); retrying`);
        }
        schedule.retry(now, backoffDelay(failures++, ctx.random));
      }
    }
    now = clock.now();
    const tick = printer.ticks && now >= nextTick;
    if (tick) nextTick = now + TICK_MS;
    if (changed || tick) await printer.update(source.rows(), now);
  }
}
