/**
 * Procedure and activity states, and what they mean for a command that waits.
 *
 * The state machine (docs/servers.md, "Procedure states"): CREATING, IDLE, [PREP_ENV, IDLE], LOADING,
 * IDLE, [INITIALISING], READY; a start gives RUNNING, READY when `main`
 * returns, then COMPLETE; any exception gives FAILED; a stop gives STOPPED, or
 * UNKNOWN when the server could not confirm the termination.
 *
 * This module imports nothing (types.ts imports its state types): the
 * functions below take the shapes they read.
 */

/**
 * The servers' `ProcedureState` members, in their declaration order (5.2.1+:
 * INITIALISING was added by daa996c). The order matters: jsonpickle encodes a
 * member by value, 1-based, in this order (`ProcedureState(7)` is READY).
 */
export const PROCEDURE_STATES = [
  "UNKNOWN",
  "IDLE",
  "CREATING",
  "PREP_ENV",
  "LOADING",
  "INITIALISING",
  "READY",
  "RUNNING",
  "COMPLETE",
  "STOPPED",
  "FAILED",
] as const;

/** The servers' `ActivityState` members, in declaration order: every released server has only TODO. */
export const ACTIVITY_STATES = ["TODO"] as const;

/**
 * The states `oet` derives for an activity from its procedure (the server's
 * own is always TODO; src/domain/activity_state.ts).
 */
export const DERIVED_ACTIVITY_STATES = [
  "REQUESTED",
  "PREPARED",
  "RUNNING",
  "COMPLETE",
  "FAILED",
  "STOPPED",
  "UNKNOWN",
  // Its procedure was pruned: it ended (only finished procedures are), how is not known.
  "ENDED_UNKNOWN",
] as const;

/**
 * A state a newer server sends that the lists above lack. It is shown as it
 * is (its name is its text) and is never final; there is one object per
 * name, so two of them compare equal with `===` when their names do. An
 * object, not a string, so that the compiler checks every comparison of a
 * state with a literal against the lists.
 */
export class NewerState {
  static readonly #byName = new Map<string, NewerState>();
  private constructor(readonly name: string) {}

  /** The one NewerState of this name. */
  static of(name: string): NewerState {
    let s = NewerState.#byName.get(name);
    if (!s) NewerState.#byName.set(name, s = new NewerState(name));
    return s;
  }

  /** The name, as the server sent it. */
  toString(): string {
    return this.name;
  }

  /** The name, as the server sent it. */
  toJSON(): string {
    return this.name;
  }
}

/** A procedure state: one the servers declare, or a newer one. */
export type ProcedureState = (typeof PROCEDURE_STATES)[number] | NewerState;
/** An activity's state as the server reports it. */
export type ActivityState = (typeof ACTIVITY_STATES)[number] | NewerState;
/** An activity's state as `oet` derives it from its procedure. */
export type DerivedActivityState = (typeof DERIVED_ACTIVITY_STATES)[number];
/** Any state `oet` shows. */
export type State = ProcedureState | ActivityState | DerivedActivityState;

const KNOWN_PROCEDURE_STATES: ReadonlySet<string> = new Set(PROCEDURE_STATES);
const KNOWN_ACTIVITY_STATES: ReadonlySet<string> = new Set(ACTIVITY_STATES);

/** The procedure state a server's text names (never fails: an unknown name is a NewerState). */
export function procedureState(name: string): ProcedureState {
  return KNOWN_PROCEDURE_STATES.has(name)
    ? name as (typeof PROCEDURE_STATES)[number]
    : NewerState.of(name);
}

/** The activity state a server's text names (never fails: an unknown name is a NewerState). */
export function activityState(name: string): ActivityState {
  return KNOWN_ACTIVITY_STATES.has(name)
    ? name as (typeof ACTIVITY_STATES)[number]
    : NewerState.of(name);
}

/** A state's text, as the server sent it. */
export function stateName(state: State): string {
  return typeof state === "string" ? state : state.name;
}

/** States a procedure passes through before it can be started. */
export const PREPARING_STATES: ReadonlySet<ProcedureState> = new Set<ProcedureState>([
  "CREATING",
  "IDLE",
  "PREP_ENV",
  "LOADING",
  "INITIALISING",
]);

/** States after which nothing more happens. */
export const FINAL_STATES: ReadonlySet<State> = new Set<State>([
  "COMPLETE",
  "FAILED",
  "STOPPED",
  "UNKNOWN",
  "ENDED_UNKNOWN",
]);

/** What a final state means for the exit status. */
export type Outcome = "success" | "failure";

/** The outcome of a final state; undefined while the procedure goes on. */
export function outcomeOf(state: State): Outcome | undefined {
  if (state === "COMPLETE") return "success";
  if (FINAL_STATES.has(state)) return "failure";
  return undefined;
}

/** True once a procedure can no longer change. */
export function isFinal(state: State): boolean {
  return FINAL_STATES.has(state);
}

/** True while a procedure is still being loaded and initialised. */
export function isPreparing(state: ProcedureState): boolean {
  return PREPARING_STATES.has(state);
}

/**
 * True when a start was accepted but the script is not RUNNING yet: the
 * server records `main` only on a start, and the history has no run. (The
 * PUT answers before the state changes, so `start --listen=False` returns
 * in this state.)
 */
export function isStartPending(p: {
  state: ProcedureState;
  scriptArgs: Readonly<Record<string, unknown>>;
  history: readonly { state: ProcedureState }[];
}): boolean {
  return p.state === "READY" && "main" in p.scriptArgs &&
    !p.history.some((e) => e.state === "RUNNING");
}

/** How many times a procedure's history says it started running. */
export function runCount(p: { history: readonly { state: ProcedureState }[] }): number {
  return p.history.filter((e) => e.state === "RUNNING").length;
}

/** The state a `procedure.lifecycle.statechange` event announces (its `new_state`). */
export function announcedState(e: { data: { new_state?: unknown } }): ProcedureState {
  return procedureState(String(e.data.new_state));
}
