/**
 * The source of `oet procedure list --watch [--pid N]`: the procedure list
 * (or one procedure), kept up to date from state changes on the stream and
 * re-read when the stream says something a state change cannot tell — a
 * new procedure, which may also have pruned old ones (docs/servers.md,
 * "Retention": the server prunes on create).
 */

import type { OetClient } from "../../../api/client.ts";
import { HttpError } from "../../../domain/errors.ts";
import { isFinal } from "../../../domain/states.ts";
import type { OetEvent } from "../../../domain/types.ts";
import { PROCEDURE_HEADERS } from "../../../render/procedures.ts";
import { ProcedureBook } from "./book.ts";
import { procedureRow, type WatchRow } from "./rows.ts";
import { NOTHING, stateChange, type Taken, type WatchSource } from "./source.ts";

/** Watches every procedure, or the one with id `pid`. */
export class ProcedureSource implements WatchSource {
  readonly noun = "procedure";
  readonly headers = PROCEDURE_HEADERS;
  readonly pid?: number;
  readonly #client: OetClient;
  readonly #book = new ProcedureBook();

  constructor(client: OetClient, pid?: number) {
    this.#client = client;
    this.pid = pid;
  }

  /**
   * Reads the list, or the one procedure. Once seen, a procedure the server
   * answers 404 for was pruned; the first read lets a 404 through, as
   * `list --pid` does.
   */
  async read(nowMs: number): Promise<void> {
    if (this.pid === undefined) {
      this.#book.take(await this.#client.listProcedures(), true, nowMs);
      return;
    }
    try {
      this.#book.take([await this.#client.getProcedure(this.pid)], false, nowMs);
    } catch (err) {
      if (!(err instanceof HttpError && err.resourceMissing && this.#book.has(this.pid))) throw err;
      this.#book.drop(this.pid);
    }
  }

  take(e: OetEvent, nowMs: number): Taken {
    const change = stateChange(e);
    if (change) {
      if (this.pid !== undefined && change.pid !== this.pid) return NOTHING;
      const said = this.#book.announce(change.pid, change.state, nowMs);
      // A new procedure needs a read (its script); a known one is confirmed by one.
      return { changed: said === "changed", reread: this.pid === undefined || said !== "unknown" };
    }
    if (e.topic === "procedure.lifecycle.created") {
      // A create may prune finished procedures; one procedure can only be pruned once final.
      const one = this.pid === undefined ? undefined : this.#book.get(this.pid);
      return { changed: false, reread: this.pid === undefined || (!!one && isFinal(one.state)) };
    }
    return NOTHING;
  }

  resync(): void {
    this.#book.resync();
  }

  unconfirmed(): boolean {
    return this.#book.unconfirmed();
  }

  rows(): WatchRow[] {
    return this.#book.ids().map((id) => procedureRow(this.#book.get(id)!));
  }
}
