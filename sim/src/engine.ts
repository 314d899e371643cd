/**
 * The simulated OET back end: the script execution service (procedures and
 * their lifecycles) and the activity service (SB activities), publishing the
 * same messages the real workers publish. The REST layers (`rest_v5.ts`,
 * `rest_v7.ts`) only validate requests and shape responses.
 *
 * Lifecycle, as recorded on 5.4.0 and 7.0.0: CREATING, IDLE, [PREP_ENV, IDLE],
 * LOADING, IDLE, INITIALISING, READY; a start gives RUNNING, then READY and
 * COMPLETE, or FAILED with a stack trace; a stop gives STOPPED. Each step takes
 * `stepMs`; a script "tick" is five steps.
 */

import { type ScriptContext, ScriptRaised } from "./catalogue.ts";
import { findScript, missingParams } from "./catalogue.ts";
import { Cancelled, type Clock } from "./clock.ts";
import type { ActivityCommand, EventBus, RequestSource } from "./event_bus.ts";
import { type Flavor, isFastApi, isScriptingEra } from "./flavor.ts";
import {
  type ActivityRecord,
  clone,
  FINISHED_STATES,
  type FnArgs,
  type ProcedureRecord,
  type ProcedureSnapshot,
  type ProcedureState,
  pyTime,
  type ScriptSpec,
  SimError,
} from "./model.ts";
import type { JsonObject } from "./py_json.ts";
import { pyStrRepr } from "./py_repr.ts";
import type { SbdStore } from "./sbd_store.ts";
import {
  failedCall,
  fileNotFound,
  gitCommandErrorText,
  gitStderr,
  gitUnreachable,
  missingArguments,
} from "./tracebacks.ts";

/** How many procedures the OET keeps before pruning finished ones. */
export const HISTORY_LIMIT = 10;

/** Where v6.5+ servers find the abort script (`$SCRIPTS_LOCATION`, default `/scripts`). */
export const ABORT_SCRIPT_URI = "file:///scripts/abort.py";

/** Settings of the simulated back end. */
export interface EngineOptions {
  flavor: Flavor;
  bus: EventBus;
  clock: Clock;
  /** Duration of one lifecycle step; a script tick is five steps. */
  stepMs: number;
  sbds: SbdStore;
  /**
   * How long a state change published on the stream takes to show in GET
   * answers, in ms (the real servers' SES records it a little after the
   * event goes out). Changes the SES makes itself (CREATING, IDLE on
   * create; STOPPED) show at once.
   */
  getLagMs?: number;
  /**
   * Called after anything the inspection methods show changes: a
   * procedure's newest state, a queued or cancelled run, a procedure pruned,
   * an abort finished ("procedure"); an activity recorded ("activity").
   */
  onChange?: (what: "procedure" | "activity") => void;
  /**
   * Call `onChange` once more when a state change becomes visible to GET
   * (`getLagMs` after it went out on the stream): a timer per change, so
   * only when someone waits on GET's view.
   */
  tellWhenVisible?: boolean;
}

interface QueuedRun {
  fn: string;
  args: FnArgs;
  /** Queued before READY (activity `force_start`): runs as soon as READY. */
  early: boolean;
}

interface Runtime {
  rec: ProcedureRecord;
  /** When each history entry shows in GET answers (`performance.now()` ms). */
  visibleAt: number[];
  /** Script ticks waited so far (a `main` that waited none returned at once). */
  ticks: number;
  /** Aborted by a stop or by shutdown: cancels the lifecycle task. */
  abort: AbortController;
  run?: QueuedRun;
  wakeRun?: () => void;
  stateWaiters: Set<() => void>;
}

/** The outcome of a start, with the reply published when the caller chooses. */
export interface StartOutcome {
  result: ProcedureSnapshot | SimError;
  publishReply(): void;
}

/** True when the simulator treats a git repository as unreachable. */
export function isUnreachableRepo(repo: string): boolean {
  if (repo.includes("unreachable")) return true;
  try {
    const url = new URL(repo);
    // Port 9 (discard) on loopback is what the recordings used.
    return url.port === "9";
  } catch {
    return false;
  }
}

function gitError(repo: string, branch: string): SimError {
  const argv = ["git", "ls-remote", "-h", repo, branch];
  const stderr = gitStderr(repo);
  return new SimError(
    "git.exc.GitCommandError",
    gitCommandErrorText(repo, branch),
    [argv, 128, stderr, ""],
    {
      command: argv,
      status: 128,
      _cmd: "git",
      _cmdline: argv.join(" "),
      _cause: " due to: exit code(128)",
      stdout: "",
      stderr: `\n  stderr: '${stderr}'`,
    },
    new Set([2, 3]),
  );
}

function utcDate(): string {
  return new Date().toISOString().slice(0, 10).replaceAll("-", "");
}

function randomTmpName(): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789_";
  let out = "";
  for (let i = 0; i < 8; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return `/tmp/tmp${out}.json`;
}

/** The simulated script execution service and activity service. */
export class Engine {
  readonly #o: EngineOptions;
  readonly #procs = new Map<number, Runtime>();
  readonly #activities = new Map<number, ActivityRecord>();
  readonly #sbJson = new Map<string, string>();
  readonly #tasks = new Set<Promise<void>>();
  #nextPid = 1;
  #nextAid = 1;
  #nextSbi = 1;
  #lastRequestId = 0n;
  #stopsInProgress = 0;

  constructor(options: EngineOptions) {
    this.#o = options;
  }

  /** A fresh request id: integer nanoseconds, strictly increasing. */
  newRequestId(): string {
    const now = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1e6));
    this.#lastRequestId = now > this.#lastRequestId ? now : this.#lastRequestId + 1n;
    return String(this.#lastRequestId);
  }

  // ---- inspection (for tests and the in-process API) ----

  /**
   * A snapshot of one procedure as a GET would show it now, or `undefined`
   * (unknown or pruned).
   */
  procedure(pid: number): ProcedureSnapshot | undefined {
    const rt = this.#procs.get(pid);
    return rt ? this.#visible(rt) : undefined;
  }

  /** Snapshots of every known procedure as a GET would show them now, oldest first. */
  procedures(): ProcedureSnapshot[] {
    return [...this.#procs.values()].map((rt) => this.#visible(rt));
  }

  /**
   * The newest state of one procedure, including a change already on the
   * stream that GET does not show yet.
   */
  latestState(pid: number): ProcedureState | undefined {
    const rt = this.#procs.get(pid);
    return rt ? this.#state(rt) : undefined;
  }

  /** Every activity, oldest first. */
  activities(): ActivityRecord[] {
    return [...this.#activities.values()].map((a) => clone(a));
  }

  /**
   * True while something is about to change by itself: a procedure is being
   * created, loaded or initialised, a start is queued but not yet RUNNING, or
   * an abort is in progress, or a state change is not yet visible to GET.
   * RUNNING scripts do not count (loops never end).
   */
  busy(): boolean {
    if (this.#stopsInProgress > 0) return true;
    const now = performance.now();
    for (const rt of this.#procs.values()) {
      if ((rt.visibleAt.at(-1) ?? 0) > now) return true;
      const state = this.#state(rt);
      if (["CREATING", "IDLE", "PREP_ENV", "LOADING", "INITIALISING"].includes(state)) return true;
      if (state === "READY" && rt.run) return true;
    }
    return false;
  }

  // ---- script execution service ----

  /**
   * `request.procedure.list` → `procedure.pool.list`. A GET sees the state
   * changes that are already visible (`getLagMs`); a PUT's look-up (`latest`)
   * sees the newest, so a client that starts a procedure as soon as READY is
   * on the stream is not turned away by the lag.
   */
  listProcedures(pids: number[] | null, latest = false): ProcedureSnapshot[] {
    const requestId = this.newRequestId();
    this.#o.bus.emit({ topic: "request.procedure.list", requestId, pids });
    const result = [...this.#procs.values()]
      .filter((rt) => pids === null || pids.includes(rt.rec.id))
      .map((rt) => (latest ? this.#snapshot(rt) : this.#visible(rt)));
    this.#o.bus.emit({ topic: "procedure.pool.list", requestId, result });
    return result;
  }

  /**
   * `request.procedure.create` → `procedure.lifecycle.created`. The answer
   * shows state CREATING and a partial history, like the real servers'.
   */
  createProcedure(
    script: ScriptSpec,
    initArgs: FnArgs,
    src: RequestSource,
    requestId: string = this.newRequestId(),
  ): ProcedureSnapshot | SimError {
    this.#o.bus.emit({ topic: "request.procedure.create", src, requestId, script, initArgs });
    // The id is taken before the environment check, so a failed create uses one up.
    const pid = this.#nextPid++;
    if (script.type === "git" && script.git && script.createEnv) {
      if (isUnreachableRepo(script.git.repo)) {
        const err = gitError(script.git.repo, script.git.branch ?? "master");
        this.#o.bus.emit({ topic: "procedure.lifecycle.created", requestId, result: err });
        return err;
      }
    }
    const rt = this.#spawn(pid, script, initArgs);
    const result = { ...this.#snapshot(rt), state: "CREATING" as const };
    this.#o.bus.emit({ topic: "procedure.lifecycle.created", requestId, result });
    return result;
  }

  /**
   * `request.procedure.start` → `procedure.lifecycle.started`. The summary is
   * taken before the state changes, so it normally still says READY.
   */
  startProcedure(
    pid: number,
    fn: string,
    runArgs: FnArgs,
    forceStart: boolean,
    src: RequestSource,
    requestId: string = this.newRequestId(),
  ): StartOutcome {
    this.#o.bus.emit({
      topic: "request.procedure.start",
      src,
      requestId,
      pid,
      fnName: fn,
      runArgs,
      forceStart,
    });
    const result = this.#start(pid, fn, runArgs, forceStart);
    return {
      result,
      publishReply: () =>
        this.#o.bus.emit({ topic: "procedure.lifecycle.started", requestId, result }),
    };
  }

  #start(pid: number, fn: string, runArgs: FnArgs, force: boolean): ProcedureSnapshot | SimError {
    const rt = this.#procs.get(pid);
    if (!rt) return new SimError("builtins.ValueError", `PID #${pid} not found`);
    for (const other of this.#procs.values()) {
      if (other === rt) continue;
      // A queued start counts as running, so two scripts never run at once.
      if (this.#state(other) === "RUNNING" || other.run) {
        return new SimError(
          "builtins.ValueError",
          `Cannot start PID ${pid}: PID #${other.rec.id} is ProcedureState.RUNNING`,
        );
      }
    }
    const state = this.#state(rt);
    if (rt.run || (state !== "READY" && !(force && !FINISHED_STATES.has(state)))) {
      return new SimError(
        "builtins.ValueError",
        `PID #${pid} unrunnable in state ProcedureState.${state}`,
      );
    }
    rt.rec.captures.push({ fn, args: clone(runArgs), time: pyTime() });
    rt.run = { fn, args: clone(runArgs), early: state !== "READY" };
    const snap = this.#snapshot(rt);
    rt.wakeRun?.();
    this.#o.onChange?.("procedure");
    return snap;
  }

  /**
   * `request.procedure.stop` → `procedure.lifecycle.stopped`. With `runAbort`
   * an abort script is created for the procedure's `subarray_id` and started
   * once READY; the reply lists it.
   */
  async stopProcedure(
    pid: number,
    runAbort: boolean | null,
  ): Promise<ProcedureSnapshot[] | SimError> {
    const requestId = this.newRequestId();
    const bus = this.#o.bus;
    bus.emit({ topic: "request.procedure.stop", requestId, pid, runAbort });
    const rt = this.#procs.get(pid);
    if (!rt) {
      const err = new SimError("builtins.ValueError", `PID #${pid} not found`);
      bus.emit({ topic: "procedure.lifecycle.stopped", requestId, result: err });
      return err;
    }
    this.#terminate(rt);
    // The SES records STOPPED itself: GET shows it at once.
    if (!runAbort) {
      bus.emit({ topic: "procedure.lifecycle.stopped", requestId, result: [] });
      this.#setState(rt, "STOPPED", true);
      return [];
    }
    this.#setState(rt, "STOPPED", true);
    const subarray = [...rt.rec.captures].reverse()
      .map((c) => c.args.kwargs.subarray_id)
      .find((v) => v !== undefined);
    if (subarray === undefined) {
      const err = new SimError(
        "builtins.ValueError",
        `Cannot abort PID ${pid}: no subarray_id argument was recorded`,
      );
      bus.emit({ topic: "procedure.lifecycle.stopped", requestId, result: err });
      return err;
    }
    this.#stopsInProgress++;
    try {
      const abortPid = this.#nextPid++;
      const abortRt = this.#spawn(
        abortPid,
        { type: "filesystem", uri: ABORT_SCRIPT_URI, createEnv: false },
        { args: [], kwargs: { subarray_id: subarray } },
      );
      await this.#waitForState(abortRt, (s) => s === "READY" || FINISHED_STATES.has(s));
      const started = this.#start(abortPid, "main", { args: [], kwargs: {} }, false);
      const result = started instanceof SimError ? started : [started];
      bus.emit({ topic: "procedure.lifecycle.stopped", requestId, result });
      return result;
    } finally {
      this.#stopsInProgress--;
      this.#o.onChange?.("procedure");
    }
  }

  // ---- activity service ----

  /**
   * `request.activity.list` → `activity.pool.list`. On 7.x/8.x an activity
   * without a procedure (its `create_env` prepare failed) cannot be
   * summarised: pydantic's ValidationError is a ValueError, which the
   * activity worker answers with an empty list, so every list that includes
   * it is `[]` (server bug S2: docs/servers.md, "The activity list that empties (S2)").
   */
  listActivities(ids: number[] | null): ActivityRecord[] {
    const requestId = this.newRequestId();
    this.#o.bus.emit({ topic: "request.activity.list", requestId, ids });
    let result = [...this.#activities.values()]
      .filter((a) => ids === null || ids.includes(a.id))
      .map((a) => clone(a));
    if (isFastApi(this.#o.flavor) && result.some((a) => a.procedureId === null)) result = [];
    this.#o.bus.emit({ topic: "activity.pool.list", requestId, result });
    return result;
  }

  /**
   * `request.activity.run` → `activity.lifecycle.running`: look up the SBD,
   * make an SBI, merge the SB's function args with the request's (a request
   * entry replaces a whole function), add `sb_json` and `sbi_id` to `main`,
   * create the procedure and, unless `prepareOnly`, start it.
   */
  runActivity(cmd: ActivityCommand): ActivityRecord | SimError {
    const { bus, flavor } = this.#o;
    const requestId = this.newRequestId();
    bus.emit({ topic: "request.activity.run", requestId, cmd });
    const fail = (err: SimError) => {
      bus.emit({ topic: "activity.lifecycle.running", requestId, result: err });
      return err;
    };
    // The id is taken first, so failed runs leave gaps.
    const aid = this.#nextAid++;
    let sbd;
    try {
      sbd = this.#o.sbds.get(cmd.sbdId);
    } catch (e) {
      return fail(new SimError("builtins.ValueError", (e as Error).message));
    }
    if (!sbd) {
      // The texts of the file-backed ODA stand-ins used for the recordings.
      return fail(
        isScriptingEra(flavor)
          ? new SimError(
            "ska_db_oda.persistence.unitofwork.filesystemunitofwork.ODANotFound",
            `The requested identifier ${cmd.sbdId} could not be found.`,
          )
          : keyError(`Not found. The requested sbd_id ${cmd.sbdId} could not be found.`),
      );
    }
    const sbiId = `sbi-t0001-${utcDate()}-${String(this.#nextSbi++).padStart(5, "0")}`;
    const activity = sbd.activities[cmd.activityName];
    if (!activity) {
      return fail(
        isScriptingEra(flavor)
          ? keyError(`Activity '${cmd.activityName}' not present in the SBDefinition ${sbd.sbdId}`)
          : new SimError("builtins.RuntimeError", "Cannot run script with type NoneType"),
      );
    }
    const merged: Record<string, FnArgs> = clone(activity.functionArgs);
    for (const [fn, args] of Object.entries(cmd.scriptArgs)) merged[fn] = clone(args);
    const sbJson = flavor === "v5"
      ? `/tmp/sbs/${sbd.sbdId}-${sbd.version}-${this.newRequestId()}.json`
      : randomTmpName();
    this.#sbJson.set(sbJson, sbd.sbdId);
    const main = merged.main ?? { args: [], kwargs: {} };
    merged.main = { args: main.args, kwargs: { ...main.kwargs, sb_json: sbJson, sbi_id: sbiId } };
    const init = merged.init ?? { args: [], kwargs: {} };
    const ordered: Record<string, FnArgs> = { init, ...merged };
    const created = this.createProcedure(
      { ...activity.script, createEnv: cmd.createEnv },
      init,
      "activity",
      requestId,
    );
    const record: ActivityRecord = {
      id: aid,
      procedureId: created instanceof SimError ? null : created.id,
      sbdId: sbd.sbdId,
      activityName: cmd.activityName,
      prepareOnly: cmd.prepareOnly,
      scriptArgs: ordered,
      states: [["TODO", pyTime()]],
      sbiId,
    };
    this.#activities.set(aid, record);
    this.#o.onChange?.("activity");
    if (created instanceof SimError) {
      // The activity is kept, in TODO and without a procedure; the service
      // then reads `.id` of the exception it got back instead of a summary.
      return fail(
        new SimError(
          "builtins.AttributeError",
          `'${created.typeName}' object has no attribute 'id'`,
        ),
      );
    }
    let reply: (() => void) | undefined;
    if (!cmd.prepareOnly) {
      // The OET starts every non-init function; the simulator runs `main` only.
      const start = this.startProcedure(
        created.id,
        "main",
        ordered.main,
        true,
        "activity",
        requestId,
      );
      reply = start.publishReply;
      if (isScriptingEra(flavor)) bus.emit({ topic: "sb.lifecycle.started", sbiId });
    }
    bus.emit({ topic: "activity.lifecycle.running", requestId, result: clone(record) });
    reply?.();
    return clone(record);
  }

  // ---- shutdown ----

  /** Cancels every lifecycle and waits for the tasks to finish. */
  async close(): Promise<void> {
    for (const rt of this.#procs.values()) rt.abort.abort();
    await Promise.allSettled([...this.#tasks]);
  }

  // ---- internals ----

  #state(rt: Runtime): ProcedureState {
    const h = rt.rec.history;
    return h.length ? h[h.length - 1][0] : "CREATING";
  }

  #snapshot(rt: Runtime): ProcedureSnapshot {
    return { ...clone(rt.rec), state: this.#state(rt) };
  }

  /** What GET shows now: the history entries (and stack trace) already visible. */
  #visible(rt: Runtime): ProcedureSnapshot {
    const now = performance.now();
    let n = rt.visibleAt.length;
    while (n > 0 && rt.visibleAt[n - 1] > now) n--;
    if (n === rt.rec.history.length) return this.#snapshot(rt);
    const snap = this.#snapshot(rt);
    snap.history = snap.history.slice(0, n);
    // The trace is recorded with FAILED, the last entry there is.
    snap.stacktrace = null;
    snap.state = n ? snap.history[n - 1][0] : "CREATING";
    return snap;
  }

  /**
   * Records a state change and publishes it. The SES's own changes (`now`)
   * show in GET answers at once, those reported by the script's process
   * after `getLagMs`.
   */
  #setState(rt: Runtime, state: ProcedureState, now = false, visibleAt?: number): void {
    rt.rec.history.push([state, pyTime()]);
    const shown = visibleAt ?? performance.now() + (now ? 0 : this.#o.getLagMs ?? 0);
    rt.visibleAt.push(shown);
    this.#o.bus.emit({ topic: "procedure.lifecycle.statechange", pid: rt.rec.id, state });
    for (const wake of [...rt.stateWaiters]) wake();
    this.#o.onChange?.("procedure");
    if (this.#o.tellWhenVisible) this.#changedAt(shown);
  }

  /** When the last state change already made shows in GET answers (`performance.now()` ms; 0 if none). */
  visibleBy(): number {
    let at = 0;
    for (const rt of this.#procs.values()) at = Math.max(at, rt.visibleAt.at(-1) ?? 0);
    return at;
  }

  /** Tells `onChange` once GET shows a change, at `at`. */
  #changedAt(at: number): void {
    const wait = at - performance.now();
    if (wait <= 0) return;
    // A timer may fire a fraction of a millisecond early: wait a whole one more.
    this.#o.clock.sleep(Math.ceil(wait) + 1).then(() => {
      if (performance.now() < at) return this.#changedAt(at);
      this.#o.onChange?.("procedure");
    }, () => {});
  }

  #fail(rt: Runtime, trace: string): void {
    rt.run = undefined;
    rt.rec.stacktrace = trace;
    this.#setState(rt, "FAILED");
    this.#o.bus.emit({
      topic: "procedure.lifecycle.stacktrace",
      pid: rt.rec.id,
      stacktrace: trace,
    });
  }

  #terminate(rt: Runtime): void {
    rt.run = undefined;
    rt.abort.abort();
    this.#o.onChange?.("procedure");
  }

  #spawn(pid: number, script: ScriptSpec, initArgs: FnArgs): Runtime {
    const rt: Runtime = {
      rec: {
        id: pid,
        script: clone(script),
        captures: [{ fn: "init", args: clone(initArgs), time: pyTime() }],
        history: [],
        stacktrace: null,
      },
      visibleAt: [],
      ticks: 0,
      abort: new AbortController(),
      stateWaiters: new Set(),
    };
    this.#procs.set(pid, rt);
    this.#setState(rt, "CREATING", true);
    this.#setState(rt, "IDLE", true);
    this.#prune();
    const task = this.#lifecycle(rt).catch((e) => {
      if (!(e instanceof Cancelled)) {
        Deno.stderr.writeSync(new TextEncoder().encode(`simulator: PID ${pid}: ${e}\n`));
      }
    });
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
    return rt;
  }

  /** Deletes the oldest finished procedures beyond the history limit. */
  #prune(): void {
    const excess = this.#procs.size - HISTORY_LIMIT;
    if (excess <= 0) return;
    for (const rt of [...this.#procs.values()].slice(0, excess)) {
      if (FINISHED_STATES.has(this.#state(rt))) this.#procs.delete(rt.rec.id);
    }
    this.#o.onChange?.("procedure");
  }

  #waitForState(rt: Runtime, done: (s: ProcedureState) => boolean): Promise<void> {
    if (done(this.#state(rt))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this.#state(rt))) return;
        rt.stateWaiters.delete(check);
        resolve();
      };
      rt.stateWaiters.add(check);
      rt.abort.signal.addEventListener("abort", () => {
        rt.stateWaiters.delete(check);
        reject(new Cancelled());
      }, { once: true });
    });
  }

  #waitForRun(rt: Runtime): Promise<QueuedRun> {
    if (rt.run) return Promise.resolve(rt.run);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Cancelled());
      rt.abort.signal.addEventListener("abort", onAbort, { once: true });
      rt.wakeRun = () => {
        rt.wakeRun = undefined;
        rt.abort.signal.removeEventListener("abort", onAbort);
        resolve(rt.run!);
      };
    });
  }

  #scriptPath(script: ScriptSpec): string {
    if (script.type === "git") {
      const repo = (script.git?.repo ?? "repo").replace(/\.git$/, "").split("/").pop();
      return `/tmp/clones/${repo}/${script.uri.replace(/^git:\/\/\/*/, "")}`;
    }
    return script.uri.replace(/^file:\/\//, "");
  }

  #context(rt: Runtime): ScriptContext {
    const { bus, clock, stepMs, flavor } = this.#o;
    const pid = rt.rec.id;
    return {
      pid,
      flavor,
      scriptPath: this.#scriptPath(rt.rec.script),
      initArgs: clone(rt.rec.captures[0].args),
      osPid: 20000 + pid * 7,
      tick: (n = 1) => {
        rt.ticks++;
        return clock.sleep(stepMs * 5 * n, rt.abort.signal);
      },
      announce: (msg) => bus.emit({ topic: "script.announce", pid, msg }),
      publish: (name: string, fields: JsonObject) =>
        bus.emit({ topic: "script.message", pid, name, fields }),
      sbdIdFor: (path) => this.#sbJson.get(path),
    };
  }

  async #lifecycle(rt: Runtime): Promise<void> {
    const { clock, stepMs, flavor } = this.#o;
    const signal = rt.abort.signal;
    const step = () => clock.sleep(stepMs, signal);
    const script = rt.rec.script;
    try {
      if (script.type === "git" && script.createEnv) {
        await step();
        this.#setState(rt, "PREP_ENV");
        await step();
        this.#setState(rt, "IDLE");
      }
      await step();
      this.#setState(rt, "LOADING");
      await step();
      if (script.type === "git" && script.git && isUnreachableRepo(script.git.repo)) {
        return this.#fail(
          rt,
          gitUnreachable(flavor, script.git.repo, script.git.branch ?? "master"),
        );
      }
      const def = findScript(script.uri);
      if (!def) {
        const missing = script.type === "git" ? this.#scriptPath(script) : script.uri;
        return this.#fail(rt, fileNotFound(flavor, missing));
      }
      this.#setState(rt, "IDLE");
      await step();
      this.#setState(rt, "INITIALISING");
      const ctx = this.#context(rt);
      const init = rt.rec.captures[0].args;
      const missingInit = missingParams(def.initRequires, init);
      if (missingInit.length) {
        return this.#fail(rt, failedCall(flavor, missingArguments("init", missingInit)));
      }
      def.init?.(ctx, init);
      await step();
      this.#setState(rt, "READY");
      const run = await this.#waitForRun(rt);
      if (!run.early) await step();
      rt.run = undefined;
      this.#setState(rt, "RUNNING");
      const missingMain = missingParams(def.mainRequires, run.args);
      if (missingMain.length) {
        await step();
        return this.#fail(rt, failedCall(flavor, missingArguments("_main", missingMain)));
      }
      const ticks = rt.ticks;
      await def.main(ctx, run.args);
      // A `main` that returned at once (RUNNING → READY in well under a ms
      // on the real servers): both show in GET together, so GET never shows
      // RUNNING, as measured.
      this.#setState(rt, "READY", false, rt.ticks === ticks ? rt.visibleAt.at(-1) : undefined);
      await step();
      this.#setState(rt, "COMPLETE");
    } catch (e) {
      if (e instanceof ScriptRaised) return this.#fail(rt, e.trace);
      throw e;
    }
  }
}

function keyError(message: string): SimError {
  // str(KeyError(msg)) is the repr of msg, quotes included.
  return new SimError("builtins.KeyError", pyStrRepr(message), [message]);
}
