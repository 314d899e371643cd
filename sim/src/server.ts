/**
 * The simulator as a running HTTP server: `startSimulator()` for tests and
 * scripts, wrapped by `sim/main.ts` for the command line.
 *
 * ```ts
 * const sim = startSimulator({ flavor: "v7", stepMs: 5 });
 * await fetch(`${sim.baseUrl}/procedures/`);
 * await sim.close();
 * ```
 */

import {
  AaaGate,
  type AaaSettings,
  DEFAULT_AAA_SETTINGS,
  type Refusal,
  type Requirement,
  type Telescope,
} from "./aaa.ts";
import { Cancelled, Clock } from "./clock.ts";
import { Engine } from "./engine.ts";
import { EventBus } from "./event_bus.ts";
import { EventHub, StreamCut } from "./event_hub.ts";
import { type Faults, FaultState, malform } from "./faults.ts";
import { basePath, type Flavor, isFastApi, poolModel } from "./flavor.ts";
import { redirect, type RequestContext } from "./http_util.ts";
import type { ActivityRecord, ProcedureSnapshot, ProcedureState } from "./model.ts";
import { DEFAULT_CLIENT_ID, Issuer, type IssuerSwitches } from "./issuer.ts";
import { generateSigningKey } from "./jwt.ts";
import { generic500V5, handleV5 } from "./rest_v5.ts";
import { generic500V7, handleV7 } from "./rest_v7.ts";
import { SbdStore } from "./sbd_store.ts";
import { WorkerPool, type WorkerSlot, type WorkerStats } from "./worker_pool.ts";

/** Default duration of one lifecycle step (a script tick is five steps). */
export const DEFAULT_STEP_MS = 100;
/** Step duration for tests: whole lifecycles in tens of milliseconds. */
export const FAST_STEP_MS = 5;
/**
 * Default delay between a state change going out on the stream and GET
 * showing it. Measured on 6.6.0 and 7.0.0: COMPLETE reached the stream
 * 2.4–8.8 ms before a GET polled every 10 ms showed it.
 */
export const DEFAULT_GET_LAG_MS = 3;

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  flavor: Flavor;
  /** Interface to listen on; default `127.0.0.1`. */
  hostname?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** A directory of `<sbd_id>.json` files searched before the samples. */
  sbdDir?: string;
  /** Duration of one lifecycle step in ms; default {@link DEFAULT_STEP_MS}. */
  stepMs?: number;
  /** Fault switches to start with. */
  faults?: Faults;
  /**
   * Worker threads: every request holds one while handled, every stream one
   * while open and, after its client leaves, until the server has written to
   * it twice (v5/v6) or once (v7/v8). With all held, requests wait. Default
   * as the real servers: 4 on v5/v6, 40 on v7/v8. `0` or `Infinity`: no
   * limit (nothing ever waits; the counts are still kept).
   */
  workers?: number;
  /**
   * A state change reported by a script shows in GET answers this many ms
   * after it went out on the stream; default {@link DEFAULT_GET_LAG_MS}.
   */
  getLagMs?: number;
  /**
   * Delays delivery on every stream by this many ms, so the stream is behind
   * GET (a proxy or a loaded server); default 0.
   */
  streamLagMs?: number;
  /**
   * AAA mode: every endpoint wants a bearer token from the simulator's own
   * issuer (served under `/issuer`). `true` takes the defaults.
   */
  auth?: boolean | AuthOptions;
  /**
   * Called for each request once its response is ready (the CLI's `--log`),
   * requests to the issuer included (those with `body: null`).
   */
  onRequest?: (record: RequestRecord) => void;
  /**
   * Called after anything a test may wait for has changed (the tests wake
   * their waits on it instead of polling); see {@link SimChange}. Unset,
   * nothing is called or scheduled.
   */
  onChange?: (what: SimChange) => void;
}

/**
 * What changed, for {@link SimulatorOptions.onChange}: `request` — one was
 * recorded in {@link Simulator.requests} or its record was completed
 * (status, refusal); `procedure` — a procedure's newest state, or its state
 * as GET shows it (told again when a lagging change becomes visible), a
 * queued or cancelled run, a prune; `activity` — one was recorded; `stream` —
 * a stream opened, its client left, or it ended ({@link Simulator.openStreams});
 * `workers` — the pool's counts ({@link SimulatorState.workers}); `issuer` —
 * the AAA issuer handled a request (its `requests`, its codes' polls).
 */
export type SimChange = "request" | "procedure" | "activity" | "stream" | "workers" | "issuer";

/** Options of AAA mode (`SimulatorOptions.auth`); see aaa.ts and issuer.ts. */
export interface AuthOptions {
  /** The OET's audience (`aud`); default `api://oet-sim`. */
  audience?: string;
  /** The deployment's telescope: its operator role is accepted besides SW_ENGINEER; default `mid`. */
  telescope?: Telescope;
  /** The scope `POST activities` wants: `activity:read` (default) or `activity:execute`. */
  activityRunScope?: string;
  /** The status of a request without a token: 403 (default) or 401. */
  noTokenStatus?: 401 | 403;
  /** Quote the token in every refusal (a careless server); default false. */
  echoToken?: boolean;
  /** The public client id the issuer knows; default `oet-cli`. */
  clientId?: string;
  /** The issuer's switches to start with (auto-approval, poll answers, lifetimes). */
  issuer?: IssuerSwitches;
  /**
   * A key pair to sign with instead of making one (tests share one: making
   * an RSA key takes 0.1–0.3 s). See `generateSigningKey` in jwt.ts.
   */
  keyPair?: CryptoKeyPair;
}

/** The OET's side of AAA mode, while running. */
export interface SimAaa {
  /** The current settings. */
  readonly settings: AaaSettings;
  /** Changes some settings (audience, telescope, scopes, status, echo). */
  update(settings: Partial<AaaSettings>): void;
  /** What a request needs, or undefined for a path or method the server does not guard. */
  requirementFor(method: string, path: string): Requirement | undefined;
}

/** One request the simulator received. */
export interface RequestRecord {
  method: string;
  /** URL path, without the query string. */
  path: string;
  /** The query string including `?`, or `""`. */
  query: string;
  /** The body text, or `null` when there was none. */
  body: string | null;
  /** Response status, once answered. */
  status?: number;
  /** The request's `Authorization` header, or `null` when it had none (AAA mode or not). */
  authorization: string | null;
  /** AAA mode: why the request was refused (401/403), if it was. */
  refusal?: Refusal;
}

/** Read-only views of the simulated OET's state. */
export interface SimulatorState {
  /** One procedure, or `undefined` if unknown or pruned. */
  procedure(id: number): ProcedureSnapshot | undefined;
  /** Every procedure still held, oldest first. */
  procedures(): ProcedureSnapshot[];
  /** Every activity, oldest first. */
  activities(): ActivityRecord[];
  /** True while a lifecycle step is pending (see `Engine.busy`). */
  busy(): boolean;
  /**
   * The newest state of a procedure, including a change already on the
   * stream that GET does not show yet (`procedure(id).state` is what GET shows).
   */
  latestState(id: number): ProcedureState | undefined;
  /** The worker pool now: size, slots held (and by what), requests waiting. */
  workers(): WorkerStats;
}

/** A running simulator. */
export interface Simulator {
  readonly flavor: Flavor;
  readonly hostname: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly origin: string;
  /** The API root, e.g. `http://127.0.0.1:5000/api/v1.0`. */
  readonly baseUrl: string;
  /** Every request received, in arrival order (for "nothing was sent" checks). */
  readonly requests: RequestRecord[];
  /** The current fault switches. */
  readonly faults: Faults;
  /** Replaces all fault switches (`{}` turns them off). */
  setFaults(faults: Faults): void;
  readonly state: SimulatorState;
  /** Number of open event streams whose client is still connected. */
  readonly openStreams: number;
  /** AAA mode: the OpenID Connect issuer (undefined without `auth`). */
  readonly issuer?: Issuer;
  /** AAA mode: the OET's token check (undefined without `auth`). */
  readonly aaa?: SimAaa;
  /** Resolves once nothing is pending (`state.busy()` false); rejects after `timeoutMs`. */
  settle(timeoutMs?: number): Promise<void>;
  /** Stops everything: lifecycles, open streams (cleanly), the listener. */
  close(): Promise<void>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Starts a simulator; it listens as soon as this returns. */
export function startSimulator(options: SimulatorOptions): Simulator {
  const flavor = options.flavor;
  const clock = new Clock();
  const model = poolModel(flavor);
  const onChange = options.onChange;
  // `settle` waits on the engine's changes too (a Set and a call: no timer).
  const settling = new Set<() => void>();
  const pool = new WorkerPool(
    options.workers ?? model.size,
    onChange && (() => onChange("workers")),
  );
  const hub = new EventHub({
    clock,
    lagMs: options.streamLagMs ?? 0,
    writesToNotice: model.writesToNotice,
    onChange: onChange && (() => onChange("stream")),
  });
  const faults = new FaultState(options.faults);
  const engine = new Engine({
    flavor,
    bus: new EventBus(flavor, hub),
    clock,
    stepMs: options.stepMs ?? DEFAULT_STEP_MS,
    sbds: new SbdStore(options.sbdDir),
    getLagMs: options.getLagMs ?? DEFAULT_GET_LAG_MS,
    onChange: (what) => {
      onChange?.(what);
      for (const wake of [...settling]) wake();
    },
    tellWhenVisible: onChange !== undefined,
  });
  const requests: RequestRecord[] = [];
  const generic500 = () => (isFastApi(flavor) ? generic500V7() : generic500V5());
  let closed = false;

  const authOptions: AuthOptions | undefined = options.auth === true
    ? {}
    : options.auth || undefined;
  // Both made once the address is known (below); requests come after that.
  let issuer: Issuer | undefined;
  let gate: AaaGate | undefined;

  const handleIssuer = async (req: Request, url: URL): Promise<Response> => {
    if (closed) return new Response(null, { status: 503 });
    const res = await issuer!.handle(req, url);
    onChange?.("issuer");
    options.onRequest?.({
      method: req.method,
      path: url.pathname,
      query: url.search,
      body: null,
      status: res.status,
      authorization: null,
    });
    return res;
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (issuer?.owns(url.pathname)) return await handleIssuer(req, url);
    const body = req.body ? await req.text() : "";
    const record: RequestRecord = {
      method: req.method,
      path: url.pathname,
      query: url.search,
      body: body.length ? body : null,
      authorization: req.headers.get("authorization"),
    };
    requests.push(record);
    onChange?.("request");
    if (closed) return new Response(null, { status: 503 });
    // A proxy in front of the server sends the client elsewhere: no worker is involved.
    const elsewhere = faults.redirectTo;
    if (elsewhere) {
      record.status = 307;
      onChange?.("request");
      options.onRequest?.(record);
      return redirect(elsewhere.replace(/\/+$/, "") + url.pathname + url.search);
    }
    // The body is read first (waitress buffers it), then the request waits
    // for a worker: with every worker held it waits, unanswered.
    let worker: WorkerSlot | undefined;
    try {
      worker = await pool.acquire();
      if (faults.latencyMs) await clock.sleep(faults.latencyMs);
      let res: Response | undefined;
      if (faults.takeForced500(url.pathname, req.method)) res = generic500();
      // AAA: a refused request is still a request (it held its worker while
      // it was checked); a refused /stream answers at once and holds nothing.
      const need = gate?.requirement(flavor, req.method, url.pathname);
      if (!res && gate && need) {
        const decision = await gate.decide(record.authorization, need);
        if (!decision.ok) {
          record.refusal = decision.refusal;
          res = decision.response;
        }
      }
      if (!res) {
        const ctx: RequestContext = {
          req,
          url,
          body,
          engine,
          hub,
          dropStreamAfter: faults.dropStreamAfter,
          faults,
          worker,
        };
        res = isFastApi(flavor) ? await handleV7(ctx, flavor) : await handleV5(ctx, flavor);
      }
      const type = res.headers.get("content-type") ?? "";
      if (res.ok && type.startsWith("application/json") && faults.takeMalformed()) {
        res = new Response(malform(await res.text()), { status: res.status, headers: res.headers });
      }
      // The answer is made: slow headers are the network's, not a worker's.
      if (worker.use === "request") worker.release();
      if (faults.slowHeadersMs) await clock.sleep(faults.slowHeadersMs);
      record.status = res.status;
      return res;
    } catch (e) {
      if (e instanceof Cancelled) {
        record.status = 503;
        return new Response(null, { status: 503 });
      }
      Deno.stderr.writeSync(new TextEncoder().encode(`simulator: ${errorText(e)}\n`));
      record.status = 500;
      return generic500();
    } finally {
      if (worker?.use === "request") worker.release();
      onChange?.("request");
      options.onRequest?.(record);
    }
  };

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen() {},
    onError(e) {
      // A cut event stream is deliberate; anything else is a simulator bug.
      if (!(e instanceof StreamCut)) {
        Deno.stderr.writeSync(new TextEncoder().encode(`simulator: ${errorText(e)}\n`));
      }
      return generic500();
    },
  }, handle);

  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const origin = `http://${host}:${addr.port}`;
  if (authOptions) {
    const settings: AaaSettings = {
      audience: authOptions.audience ?? DEFAULT_AAA_SETTINGS.audience,
      telescope: authOptions.telescope ?? DEFAULT_AAA_SETTINGS.telescope,
      activityRunScope: authOptions.activityRunScope ?? DEFAULT_AAA_SETTINGS.activityRunScope,
      noTokenStatus: authOptions.noTokenStatus ?? DEFAULT_AAA_SETTINGS.noTokenStatus,
      echoToken: authOptions.echoToken ?? DEFAULT_AAA_SETTINGS.echoToken,
    };
    const made = new Issuer({
      url: `${origin}/issuer`,
      audience: settings.audience,
      clientId: authOptions.clientId ?? DEFAULT_CLIENT_ID,
      switches: authOptions.issuer,
      keyPair: authOptions.keyPair,
      generateKey: generateSigningKey,
    });
    issuer = made;
    gate = new AaaGate({ settings, issuer: made.url, publicKey: () => made.publicKey() });
  }
  const aaa: SimAaa | undefined = gate && {
    get settings() {
      return gate!.settings;
    },
    update: (s) => gate!.update(s),
    requirementFor: (method, path) => gate!.requirement(flavor, method, path),
  };
  const state: SimulatorState = {
    procedure: (id) => engine.procedure(id),
    procedures: () => engine.procedures(),
    activities: () => engine.activities(),
    busy: () => engine.busy(),
    latestState: (id) => engine.latestState(id),
    workers: () => pool.stats(),
  };

  return {
    flavor,
    hostname: addr.hostname,
    port: addr.port,
    origin,
    baseUrl: origin + basePath(flavor),
    requests,
    get faults() {
      return faults.current;
    },
    setFaults: (f) => faults.set(f),
    state,
    issuer,
    aaa,
    get openStreams() {
      return hub.size;
    },
    async settle(timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      // Woken by the engine's next change, or when a change already made
      // shows in GET (a moment known in advance): no polling.
      while (engine.busy()) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`simulator still busy after ${timeoutMs} ms`);
        const visible = engine.visibleBy() - performance.now();
        const stop = new AbortController();
        let wake = () => {};
        const changed = new Promise<void>((resolve) => (wake = resolve));
        settling.add(wake);
        try {
          await Promise.race([
            changed,
            clock.sleep(visible > 0 ? Math.min(left, Math.ceil(visible) + 1) : left, stop.signal)
              .catch(() => {}),
          ]);
        } finally {
          settling.delete(wake);
          stop.abort();
        }
        if (clock.closed) throw new Cancelled();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      issuer?.close();
      pool.close();
      clock.close();
      await engine.close();
      hub.closeAll();
      await server.shutdown();
      // A key still being made is an op the sanitizer would see.
      await issuer?.idle();
    },
  };
}
