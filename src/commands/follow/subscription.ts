/**
 * The event stream as a waiting command reads it: a feed pulled one item at
 * a time with a time limit, so that events mix with periodic state checks.
 * Opening resolves only once the server has answered, so a command can
 * subscribe first and then send its request without missing the first
 * events (the 2022 client lost them: docs/servers.md, "The 2022 client").
 */

import type { OetClient } from "../../api/client.ts";
import { readEventStream, type StreamItem } from "../../api/events.ts";
import type { CommandContext } from "../framework/command_context.ts";

/**
 * Where a follower gets events from: the real stream, or a script in the
 * unit tests (tests/unit/follow_test.ts).
 */
export interface EventFeed {
  /**
   * The next item, or undefined when `ms` pass first. An unfinished pull is
   * kept for the next call, so no item is lost.
   */
  next(ms: number): Promise<StreamItem | undefined>;
}

/** Why a subscription was closed by its owner (not an error). */
class Closed extends Error {}

/** A live event stream. */
export class Subscription implements EventFeed {
  readonly #gen: AsyncGenerator<StreamItem>;
  readonly #stop: AbortController;
  readonly #ctx: CommandContext;
  readonly #client: OetClient;
  #pending: Promise<IteratorResult<StreamItem>> | undefined;
  #closed = false;

  private constructor(
    ctx: CommandContext,
    client: OetClient,
    gen: AsyncGenerator<StreamItem>,
    stop: AbortController,
  ) {
    this.#ctx = ctx;
    this.#client = client;
    this.#gen = gen;
    this.#stop = stop;
  }

  /** Connects; throws (ConnectionError, HttpError) if the server refuses. */
  static async open(
    ctx: CommandContext,
    client: OetClient,
    onNotice: (message: string, since?: number) => void,
  ): Promise<Subscription> {
    const stop = new AbortController();
    const gen = readEventStream({
      transport: client.transport,
      url: client.streamUrl(),
      signal: AbortSignal.any([ctx.signal, stop.signal]),
      sleep: ctx.clock.sleep,
      now: ctx.clock.now,
      random: ctx.random,
      onNotice,
      reconnectWindowMs: ctx.reconnectWindowMs,
    });
    // The first item is the "open" of the first connection.
    await gen.next();
    return new Subscription(ctx, client, gen, stop);
  }

  /** {@inheritDoc EventFeed.next} */
  async next(ms: number): Promise<StreamItem | undefined> {
    this.#pending ??= this.#gen.next();
    const timer = new AbortController();
    const tick = this.#ctx.clock.sleep(
      Math.max(0, ms),
      AbortSignal.any([timer.signal, this.#ctx.signal]),
    )
      .then(() => undefined);
    try {
      const result = await Promise.race([this.#pending, tick]);
      if (result === undefined) return undefined;
      this.#pending = undefined;
      return result.done ? undefined : result.value;
    } finally {
      timer.abort();
      tick.catch(() => {});
    }
  }

  /**
   * Closes the connection (also when a pull is still pending), then makes
   * the server notice that it is gone, so that no server thread stays held
   * by it (`OetClient.nudge`; `pid` is the procedure the stream was for, if
   * any: the cheapest request).
   */
  async close(pid?: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort(new Closed("subscription closed"));
    const pending = this.#pending;
    this.#pending = undefined;
    await pending?.catch(() => {});
    await this.#gen.return(undefined).catch(() => {});
    await this.#client.nudge(pid);
  }
}
