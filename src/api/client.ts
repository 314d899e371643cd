/**
 * The typed OET REST client. One class for every server generation: it
 * unwraps 5.x/6.x envelopes, takes ids from `uri` when there is no `id`,
 * sends 7.x collection URLs with their trailing slash, and always sends
 * `script_args.init` on create and `script_args.main` on start (7.x answers a
 * plain-text 500 otherwise: docs/servers.md, "Always send init and main").
 */

import { HttpError } from "../domain/errors.ts";
import type {
  Activity,
  FunctionArgs,
  Json,
  JsonObject,
  Procedure,
  ScriptArgs,
  StopResult,
} from "../domain/types.ts";
import {
  decodeActivity,
  decodeActivityList,
  decodeProcedure,
  decodeProcedureList,
  decodeStopResult,
  unwrapOne,
} from "./decode.ts";
import type { Transport } from "./http.ts";
import { isDigits, trimTrailingSlashes } from "../domain/text.ts";

/** What `oet procedure create` asks the server to load. */
export interface CreateProcedureRequest {
  scriptUri: string;
  scriptType: "filesystem" | "git";
  /** Only the members the user gave are sent; the server fills in the rest. */
  git?: { repo?: string; branch?: string; commit?: string };
  createEnv?: boolean;
  init: FunctionArgs;
}

/** What `oet activity run` asks the server to run. */
export interface RunActivityRequest {
  activityName: string;
  sbdId: string;
  scriptArgs: ScriptArgs;
  prepareOnly: boolean;
  createEnv: boolean;
}

function functionArgs(f: FunctionArgs): JsonObject {
  return { args: f.args, kwargs: f.kwargs };
}

/** What the client knows of the server's generation. */
export type Generation = "5" | "6" | "5/6" | "7+";

/** Waits `ms` on an AbortSignal timer (no setTimeout: see domain/clock.ts). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = AbortSignal.timeout(ms);
    const done = () => resolve();
    timer.addEventListener("abort", done, { once: true });
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Where to look when the server does not know an id (a 404 about one
 * procedure or activity): the list of the ids it has.
 */
const UNKNOWN_ID_HINTS = {
  procedure:
    "see the procedures the server has: oet procedure list (it keeps only the 10 newest finished)",
  activity: "see the activities the server has: oet activity list",
} as const;

/** Gives an unknown-id 404 about one `resource` its hint (unless it has one), and throws it on. */
function unknownId(resource: keyof typeof UNKNOWN_ID_HINTS): (err: unknown) => never {
  return (err) => {
    if (err instanceof HttpError && err.resourceMissing) err.hint ??= UNKNOWN_ID_HINTS[resource];
    throw err;
  };
}

/**
 * An activity run for an SB the server's ODA does not have: every recorded
 * generation answers 500 ("… could not be found."), which reads like a
 * server fault. Gives it the way out, and throws it on.
 */
function unknownSb(err: unknown): never {
  if (
    err instanceof HttpError && err.status === 500 && /could not be found/i.test(err.serverMessage)
  ) {
    err.hint ??= "the server has no SB with that id (it looks it up in its ODA): check the sbd-id";
  }
  // An activity name the SB does not have: 6.x/7.x say "Activity 'x' not
  // present in the SBDefinition …", 5.x "Cannot run script with type
  // NoneType" (it looks the script up and finds none).
  if (
    err instanceof HttpError && err.status === 500 &&
    /not present in the SBDefinition|Cannot run script with type NoneType/i.test(err.serverMessage)
  ) {
    err.hint ??= "the SB has no activity of that name (names are case-sensitive): check it " +
      "against the activities of the SB definition, e.g. allocate or observe";
  }
  throw err;
}

/**
 * The major version of an API root's path as written (`/api/v1.0` → "1",
 * `/ska-oso-oet/oet/api/v7/` → "7"): what `/\/api\/v(\d+)(?:\.\d+)?\/*$/`
 * captures, found without a regular expression (none runs at start-up:
 * src/domain/text.ts).
 */
export function apiMajor(path: string): string | undefined {
  const p = trimTrailingSlashes(path);
  const at = p.lastIndexOf("/api/v");
  if (at < 0) return undefined;
  const [major, minor, ...more] = p.slice(at + 6).split(".");
  const digits = (s: string | undefined) => s !== undefined && isDigits(s);
  return digits(major) && (minor === undefined || digits(minor)) && more.length === 0
    ? major
    : undefined;
}

/** Whether a base path shows that collections need a trailing slash (7.x). */
function slashFromPath(path: string): boolean | undefined {
  const major = apiMajor(path);
  return major === undefined ? undefined : Number(major) >= 7;
}

/** Typed methods for every OET endpoint. */
export class OetClient {
  readonly #http: Transport;
  /** True for 7.x collections; undefined until known (probed once). */
  #slash: boolean | undefined;

  constructor(transport: Transport) {
    this.#http = transport;
    this.#slash = slashFromPath(transport.baseUrl.pathname);
  }

  /** The API root. */
  get baseUrl(): URL {
    return this.#http.baseUrl;
  }

  /** The transport, for the event stream reader. */
  get transport(): Transport {
    return this.#http;
  }

  /** All procedures the server knows, sorted by id. */
  async listProcedures(): Promise<Procedure[]> {
    return decodeProcedureList(await this.#collection("GET", "procedures"));
  }

  /** One procedure; an unknown id is an HttpError 404. */
  async getProcedure(id: number): Promise<Procedure> {
    const body = await this.#http.json("GET", this.#http.url(`procedures/${id}`))
      .catch(unknownId("procedure"));
    return decodeProcedure(unwrapOne(body, "procedure"));
  }

  /** Loads a script; the answer normally says CREATING. */
  async createProcedure(req: CreateProcedureRequest): Promise<Procedure> {
    const script: JsonObject = { script_type: req.scriptType, script_uri: req.scriptUri };
    if (req.scriptType === "git") {
      const git: JsonObject = {};
      if (req.git?.repo !== undefined) git.git_repo = req.git.repo;
      if (req.git?.branch !== undefined) git.git_branch = req.git.branch;
      if (req.git?.commit !== undefined) git.git_commit = req.git.commit;
      if (Object.keys(git).length) script.git_args = git;
      script.create_env = req.createEnv ?? false;
    }
    const body = { script, script_args: { init: functionArgs(req.init) } };
    return decodeProcedure(
      unwrapOne(await this.#collection("POST", "procedures", body), "procedure"),
    );
  }

  /**
   * Asks the server to run the script's `main`. The answer is built before
   * the state changes, so it normally still says READY (docs/servers.md, "What the start PUT answers").
   */
  async startProcedure(id: number, main: FunctionArgs): Promise<Procedure> {
    const body = { script_args: { main: functionArgs(main) }, state: "RUNNING" };
    const answer = await this.#http.json("PUT", this.#http.url(`procedures/${id}`), body)
      .catch(unknownId("procedure"));
    return decodeProcedure(unwrapOne(answer, "procedure"));
  }

  /** Stops a running procedure; `abort` also runs the abort script. */
  async stopProcedure(id: number, abort: boolean): Promise<StopResult> {
    const body = { abort, state: "STOPPED" };
    return decodeStopResult(
      await this.#http.json("PUT", this.#http.url(`procedures/${id}`), body)
        .catch(unknownId("procedure")),
    );
  }

  /** All activities, sorted by id. */
  async listActivities(): Promise<Activity[]> {
    return decodeActivityList(await this.#collection("GET", "activities"));
  }

  /** One activity; an unknown id is an HttpError 404. */
  async getActivity(id: number): Promise<Activity> {
    const body = await this.#http.json("GET", this.#http.url(`activities/${id}`))
      .catch(unknownId("activity"));
    return decodeActivity(unwrapOne(body, "activity"));
  }

  /** Runs (or prepares) an activity of a Scheduling Block. */
  async runActivity(req: RunActivityRequest): Promise<Activity> {
    const scriptArgs: JsonObject = {};
    for (const [fn, call] of Object.entries(req.scriptArgs)) scriptArgs[fn] = functionArgs(call);
    // script_args is always sent: a 7.x server replaces the SB's own init
    // arguments with its default when it is missing (docs/servers.md, "Always send init and main").
    const body = {
      sbd_id: req.sbdId,
      activity_name: req.activityName,
      script_args: scriptArgs,
      prepare_only: req.prepareOnly,
      create_env: req.createEnv,
    };
    return decodeActivity(
      unwrapOne(await this.#collection("POST", "activities", body).catch(unknownSb), "activity"),
    );
  }

  /** The event stream URL. */
  streamUrl(): string {
    return this.#http.url("stream");
  }

  /**
   * The server generation as far as it is known: from the API root's path
   * (`/api/v1.0` → 5, `/api/v6` → 6, `/api/v7`, `/api/v8` → 7+), else from
   * how collections answered (a trailing slash → 7+); undefined before
   * either tells.
   */
  generation(): Generation | undefined {
    const major = apiMajor(this.#http.baseUrl.pathname);
    if (major !== undefined) return major === "1" ? "5" : Number(major) >= 7 ? "7+" : "6";
    if (this.#slash === true) return "7+";
    if (this.#slash === false) return "5/6";
    return undefined;
  }

  /**
   * Makes the server notice event streams this client has just closed. A
   * server thread serving a stream whose client left is freed only when the
   * server next writes to it (docs/servers.md, "Worker threads"): on 5.x/6.x
   * (waitress) the second write after the disconnect, on 7.x/8.x (uvicorn)
   * the first. Every GET publishes events, so one GET frees the threads of
   * a 7.x server and two, a little apart, those of a 5.x/6.x one. Best
   * effort: failures are ignored, and it runs on its own short deadline
   * (after Ctrl-C too).
   */
  async nudge(pid?: number, budgetMs = 500): Promise<void> {
    const signal = AbortSignal.timeout(budgetMs);
    const times = this.generation() === "7+" ? 1 : 2;
    let took = 0;
    for (let i = 0; i < times; i++) {
      // Apart by at least the first request's round trip: the first write to
      // the departed client must have been refused (its RST come back) before
      // the second, over a real network too.
      if (i > 0) await pause(Math.max(50, took), signal);
      const started = performance.now();
      try {
        if (pid !== undefined) {
          await this.#http.send("GET", this.#http.url(`procedures/${pid}`), undefined, { signal });
          continue;
        }
        // The list, with the slash 7.x wants (a redirect publishes nothing).
        const bare = this.#http.url("procedures");
        const url = this.#slash ? `${bare}/` : bare;
        const r = await this.#http.send("GET", url, undefined, { signal, followRedirects: false });
        if ([307, 308].includes(r.status)) {
          await this.#http.send("GET", `${bare}/`, undefined, { signal });
        }
      } catch {
        // Best effort: the server may be gone, or slow.
      }
      took = performance.now() - started;
    }
  }

  /**
   * A request to a collection. 7.x wants `procedures/`, and answers the bare
   * name with a 307 whose Location may say http:// behind a TLS ingress, so
   * the redirect is never followed: when the base path does not tell the
   * generation, the first answer decides, and the request is re-sent to our
   * own origin with the slash.
   */
  async #collection(method: string, name: string, body?: Json): Promise<unknown> {
    if (this.#slash !== undefined) {
      const url = this.#http.url(this.#slash ? `${name}/` : name);
      return this.#http.json(method, url, body);
    }
    const url = this.#http.url(name);
    const first = await this.#http.send(method, url, body, { followRedirects: false });
    const location = first.headers.get("location");
    if ([307, 308].includes(first.status) && location) {
      const target = new URL(location, url);
      if (target.pathname === `${new URL(url).pathname}/`) {
        this.#slash = true;
        return this.#http.json(method, `${url}/`, body);
      }
    }
    if (first.status >= 200 && first.status < 300) this.#slash = false;
    if ([301, 302, 303, 307, 308].includes(first.status)) {
      return this.#http.json(method, url, body);
    }
    return this.#http.parse(method, first);
  }
}
