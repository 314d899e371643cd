/**
 * What `oet console` knows of the server, kept in the state: the stream's
 * printer (feed.ts hands it the events, gaps and outages) and the re-reads
 * of the lists. No Ink and no terminal here (app.ts draws), so that the
 * header's connection is checked in the unit tests with a fake server and
 * clock: a server that refuses connections is "unreachable" as soon as a
 * re-read fails, and the header's "gap since" is the time the gap's marker
 * in the messages pane starts at.
 */

import type { OetClient } from "../../api/client.ts";
import { backoffDelay } from "../../api/events.ts";
import { AuthError, ConnectionError } from "../../domain/errors.ts";
import type { OetEvent, StreamGap } from "../../domain/types.ts";
import { formatFollowEvent } from "../../render/events.ts";
import { eventProcedureId } from "../shared/event_procedure.ts";
import type { ConsolePrinter } from "./feed.ts";
import type { ConsoleState, MessageLine } from "./model.ts";

/** When a state change has been read again to confirm it. */
const CONFIRM_MS = 1000;

/** A stream down this long is a gap (events published now are lost), not a reconnection. */
const RECONNECTING_MS = 3000;

/** The line a message pane shows for an event, or undefined to skip it. */
export function messageLine(e: OetEvent, at: number): MessageLine | undefined {
  const text = formatFollowEvent(e);
  if (!text) return undefined;
  return {
    at,
    pid: eventProcedureId(e),
    kind: e.topic.endsWith("announce") ? "message" : "state",
    text: text.replace(/^- /, "").replace(/\n$/, ""),
  };
}

/** The message line for a gap in the stream. */
export function gapLine(gap: StreamGap): MessageLine {
  const t = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  return {
    at: gap.to,
    kind: "gap",
    text: `stream down ${t(gap.from)}–${t(gap.to)}: events may be missing (${gap.reason})`,
  };
}

/** What the monitor needs of the console around it. */
export interface MonitorOptions {
  now: () => number;
  /** For the back-off's jitter. */
  random: () => number;
  /** Ends the re-reads (quitting). */
  signal: AbortSignal;
  /** Called after the state changed (a frame is due). */
  changed: () => void;
}

/** The console's printer and re-reads, on one state. */
export class Monitor implements ConsolePrinter {
  readonly #state: ConsoleState;
  readonly #client: Pick<OetClient, "listProcedures" | "listActivities" | "generation">;
  readonly #o: MonitorOptions;
  #reading: Promise<void> | undefined;
  #again = false;
  #confirm: ReturnType<typeof setTimeout> | undefined;
  // A re-read refused (the token, later) or unanswered is tried again with back-off until it
  // succeeds or the user quits: the stream may stay open meanwhile, and send nothing to re-read on.
  #retry: ReturnType<typeof setTimeout> | undefined;
  #retries = 0;
  /** Whether the stream is open now: a re-read that succeeds again is live only then. */
  #streamOpen = false;

  constructor(
    state: ConsoleState,
    client: Pick<OetClient, "listProcedures" | "listActivities" | "generation">,
    o: MonitorOptions,
  ) {
    this.#state = state;
    this.#client = client;
    this.#o = o;
  }

  /**
   * Reads the lists again: at most one read in flight, and one more queued
   * behind it. Resolves when the reads are done (the tests wait on it).
   */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      const state = this.#state;
      do {
        this.#again = false;
        const since = this.#o.now();
        try {
          const [procedures, activities] = await Promise.all([
            this.#client.listProcedures(),
            this.#client.listActivities(),
          ]);
          state.generation = this.#client.generation() ?? state.generation;
          state.setLists(procedures, activities, since);
          this.#retries = 0;
          if (state.connection.kind === "unreachable") {
            state.setConnection(
              this.#streamOpen ? { kind: "live" } : { kind: "gap", since: state.connection.since },
            );
          }
        } catch (err) {
          if (this.#o.signal.aborted) break;
          if (err instanceof ConnectionError || err instanceof AuthError) this.#unreachable(err);
          else state.showError(err);
        }
        this.#o.changed();
      } while (this.#again && !this.#o.signal.aborted);
      this.#reading = undefined;
    })();
    return this.#reading;
  }

  /** Resolves when no read is in flight (the tests wait on it). */
  async idle(): Promise<void> {
    while (this.#reading) await this.#reading;
  }

  /**
   * A read did not get through (or the token was refused): the header says
   * so, from the outage's start, and the read is tried again with back-off.
   */
  #unreachable(err: ConnectionError | AuthError): void {
    const c = this.#state.connection;
    this.#state.setConnection({
      kind: "unreachable",
      since: "since" in c ? c.since : this.#o.now(),
      message: err.message,
      hint: err.hint,
    });
    if (this.#retry === undefined && !this.#o.signal.aborted) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        if (!this.#o.signal.aborted) void this.refresh();
      }, backoffDelay(this.#retries++, this.#o.random, 500, 10_000));
    }
  }

  /**
   * One more read a moment after a state change: a server may answer a GET
   * with the old state just after it published the new one (5.x does).
   */
  #confirmSoon(): void {
    if (this.#confirm !== undefined || this.#o.signal.aborted) return;
    this.#confirm = setTimeout(() => {
      this.#confirm = undefined;
      void this.refresh();
    }, CONFIRM_MS);
  }

  /** Each second: a stream down for a few seconds is a gap (events published now are lost). */
  tick(): void {
    const c = this.#state.connection;
    if (c.kind === "reconnecting" && this.#o.now() - (c.at ?? c.since) >= RECONNECTING_MS) {
      this.#state.setConnection({ kind: "gap", since: c.since });
    }
  }

  /** Stops the pending confirmation read and retry (quitting). */
  close(): void {
    if (this.#confirm !== undefined) clearTimeout(this.#confirm);
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#confirm = undefined;
    this.#retry = undefined;
  }

  /** {@inheritDoc ConsolePrinter.opened} */
  opened(): void {
    this.#streamOpen = true;
    this.#state.setConnection({ kind: "live" });
    void this.refresh();
    this.#o.changed();
  }

  /** {@inheritDoc FollowSink.event} */
  event(e: OetEvent): void {
    const state = this.#state;
    const now = this.#o.now();
    const l = messageLine(e, now);
    if (l) state.addLines([l]);
    if (e.topic === "procedure.lifecycle.statechange" && l?.pid !== undefined) {
      state.applyStateChange(l.pid, String(e.data.new_state), now);
    }
    // The lists are read again (reads coalesce: one in flight, one queued).
    if (e.topic.startsWith("procedure.lifecycle.") || e.topic.startsWith("activity.lifecycle.")) {
      void this.refresh();
      this.#confirmSoon();
    }
    this.#o.changed();
  }

  /**
   * {@inheritDoc FollowSink.gap} The marker starts when the header's "gap
   * since" does, when the header showed one: one outage, one start time.
   */
  gap(gap: StreamGap): void {
    const c = this.#state.connection;
    const from = c.kind === "gap" || c.kind === "unreachable" || c.kind === "reconnecting"
      ? Math.min(c.since, gap.to)
      : gap.from;
    this.#state.addLines([gapLine({ ...gap, from })]);
    this.#o.changed();
  }

  /**
   * {@inheritDoc ConsolePrinter.note} The stream dropped (or cannot be
   * reopened yet) and is being reopened, with back-off; `since` is when
   * its last data came (events after it may be missing). The lists are
   * read at once: a server that is gone is said unreachable now, not when
   * the stream's reconnect window ends.
   */
  note(message: string, since?: number): void {
    if (since === undefined) {
      // Not an outage (an event too large was dropped): said in the status line.
      this.#state.setStatus({ kind: "info", text: message });
      this.#o.changed();
      return;
    }
    this.#streamOpen = false;
    const c = this.#state.connection;
    if (c.kind === "live" || c.kind === "connecting") {
      this.#state.setConnection({ kind: "reconnecting", since, at: this.#o.now() });
    }
    void this.refresh();
    this.#o.changed();
  }

  /** {@inheritDoc ConsolePrinter.failed} */
  failed(err: unknown, _retryMs: number): void {
    this.#streamOpen = false;
    const c = this.#state.connection;
    if (err instanceof ConnectionError || err instanceof AuthError) this.#unreachable(err);
    else {
      this.#state.setConnection({ kind: "gap", since: "since" in c ? c.since : this.#o.now() });
      this.#state.showError(err);
    }
    void this.refresh();
    this.#o.changed();
  }
}
