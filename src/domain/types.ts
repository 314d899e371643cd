/**
 * The OET's resources as `oet` uses them, the same for every server
 * generation. The API layer builds these from 5.x/6.x wrapped bodies and 7.x
 * bare bodies alike; `raw` keeps the server's own object for `-o json`.
 */

import type { ActivityState, ProcedureState } from "./states.ts";

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Positional and keyword arguments of one script function call. */
export interface FunctionArgs {
  args: Json[];
  kwargs: JsonObject;
}

/** Function name (`init`, `main`, …) → its arguments, in server order. */
export type ScriptArgs = Record<string, FunctionArgs>;

/** Where a git script comes from. `null`/absent members use server defaults. */
export interface GitArgs {
  repo: string | null;
  branch: string | null;
  commit: string | null;
}

/** The script a procedure runs. */
export interface Script {
  uri: string;
  /** `filesystem` or `git`. */
  type: string;
  git?: GitArgs;
  /** Only echoed by 7.x servers. */
  createEnv?: boolean;
}

/** One entry of a state history: a state and a Unix time in seconds. */
export interface StateEntry<S = ProcedureState> {
  state: S;
  time: number;
}

/** A procedure (a loaded script) as the server reports it. */
export interface Procedure {
  id: number;
  script: Script;
  scriptArgs: ScriptArgs;
  /** In arrival order; may be empty right after creation. */
  history: StateEntry[];
  stacktrace: string | null;
  state: ProcedureState;
  uri: string;
  /** The server's object, unwrapped from any envelope. */
  raw: JsonObject;
}

/** An activity (a script run for an SB) as the server reports it. */
export interface Activity {
  id: number;
  name: string;
  sbdId: string;
  sbiId: string | null;
  procedureId: number | null;
  prepareOnly: boolean;
  scriptArgs: ScriptArgs;
  history: StateEntry<ActivityState>[];
  /** The server's own state: `TODO` on every released server. */
  state: ActivityState;
  uri: string;
  raw: JsonObject;
}

/** The answer to a stop request. */
export interface StopResult {
  message: string;
  raw: JsonObject;
}

/** One decoded event of the server's event stream. */
export interface OetEvent {
  /** The dotted topic, taken from the payload. */
  topic: string;
  /** The SSE `id:` (the REST request id), when the event carries one. */
  id?: string;
  /** Who published it: a worker name or a procedure id as a string. */
  msgSrc?: string;
  /** The payload as plain JSON (jsonpickle decoded), without `topic`/`msg_src`. */
  data: JsonObject;
}

/**
 * An interval in which the event stream was down: events the server
 * published then were not received (the OET has no replay). `from` is the
 * last moment data arrived on the old connection, `to` when the new one
 * opened (ms since the epoch).
 */
export interface StreamGap {
  from: number;
  to: number;
  /** Why the old connection ended, for people. */
  reason: string;
}

/** Returns true for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
