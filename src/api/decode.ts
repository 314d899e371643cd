/**
 * Runtime checks that turn the servers' JSON into domain values.
 *
 * Handles both wire generations (docs/servers.md, "Wrapped and bare bodies"): 5.x/6.x wrap bodies in
 * `{"procedure": …}`, `{"procedures": […]}`, `{"activity": …}` and have no
 * `id` (it is the last segment of `uri`); 7.x sends bare bodies with `id`.
 * A body of the wrong shape is a ProtocolError that names the field.
 */

import { ProtocolError } from "../domain/errors.ts";
import { activityState, procedureState } from "../domain/states.ts";
import {
  type Activity,
  type FunctionArgs,
  type GitArgs,
  isJsonObject,
  type Json,
  type JsonObject,
  type Procedure,
  type Script,
  type ScriptArgs,
  type StateEntry,
  type StopResult,
} from "../domain/types.ts";
import { isDigits, trimTrailingSlashes } from "../domain/text.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

function fail(path: string, expected: string, value: unknown): never {
  const what = value === undefined
    ? `${path} is missing`
    : `${path} should be ${expected}, got ${describe(value)}`;
  throw new ProtocolError(`unexpected answer from the server: ${what}`, {
    hint:
      "is the URL the API root of an OET 5.x, 6.x or 7.x server? OET_DEBUG=api shows the answer",
  });
}

function obj(value: unknown, path: string): JsonObject {
  return isJsonObject(value) ? value : fail(path, "an object", value);
}

function str(value: unknown, path: string): string {
  return typeof value === "string" ? value : fail(path, "a string", value);
}

function optStr(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : str(value, path);
}

function num(value: unknown, path: string): number {
  return typeof value === "number" && Number.isFinite(value)
    ? value
    : fail(path, "a number", value);
}

function list(value: unknown, path: string): Json[] {
  return Array.isArray(value) ? value : fail(path, "a list", value);
}

/** The integer after the last `/` of a resource URI, as 5.x clients read ids. */
function idFromUri(uri: string, path: string): number {
  const last = trimTrailingSlashes(uri).split("/").at(-1) ?? "";
  if (!isDigits(last)) fail(path, "a URI ending in an integer id", uri);
  return Number(last);
}

function decodeId(o: JsonObject, uri: string, path: string): number {
  if (o.id !== undefined) {
    const id = num(o.id, `${path}.id`);
    if (!Number.isInteger(id)) fail(`${path}.id`, "an integer", o.id);
    return id;
  }
  return idFromUri(uri, `${path}.uri`);
}

function decodeHistory<S>(
  value: unknown,
  path: string,
  state: (name: string) => S,
): StateEntry<S>[] {
  return list(value, path).map((entry, i) => {
    const p = `${path}[${i}]`;
    if (!Array.isArray(entry) || entry.length < 2) fail(p, "a [state, time] pair", entry);
    return { state: state(str(entry[0], `${p}[0]`)), time: num(entry[1], `${p}[1]`) };
  });
}

function decodeFunctionArgs(value: unknown, path: string): FunctionArgs {
  const o = obj(value, path);
  return {
    args: o.args === undefined || o.args === null ? [] : list(o.args, `${path}.args`),
    kwargs: o.kwargs === undefined || o.kwargs === null ? {} : obj(o.kwargs, `${path}.kwargs`),
  };
}

function decodeScriptArgs(value: unknown, path: string): ScriptArgs {
  if (value === undefined || value === null) return {};
  const out: ScriptArgs = {};
  for (const [fn, call] of Object.entries(obj(value, path))) {
    // 7.x models may carry `null` for a function that was not called.
    if (call !== null) out[fn] = decodeFunctionArgs(call, `${path}.${fn}`);
  }
  return out;
}

function decodeScript(value: unknown, path: string): Script {
  const o = obj(value, path);
  const script: Script = {
    uri: str(o.script_uri, `${path}.script_uri`),
    type: o.script_type === undefined ? "filesystem" : str(o.script_type, `${path}.script_type`),
  };
  if (o.git_args !== undefined && o.git_args !== null) {
    const g = obj(o.git_args, `${path}.git_args`);
    const git: GitArgs = {
      repo: optStr(g.git_repo, `${path}.git_args.git_repo`),
      branch: optStr(g.git_branch, `${path}.git_args.git_branch`),
      commit: optStr(g.git_commit, `${path}.git_args.git_commit`),
    };
    script.git = git;
  }
  if (typeof o.create_env === "boolean") script.createEnv = o.create_env;
  return script;
}

/** Puts `id` first in a copy of the server's object, if it has none. */
function withId(raw: JsonObject, id: number): JsonObject {
  return raw.id === undefined ? { id, ...raw } : raw;
}

/** Decodes one procedure summary (bare or already unwrapped). */
export function decodeProcedure(value: unknown, path = "procedure"): Procedure {
  const o = obj(value, path);
  const uri = str(o.uri, `${path}.uri`);
  const id = decodeId(o, uri, path);
  const history = obj(o.history, `${path}.history`);
  const stacktrace = history.stacktrace;
  return {
    id,
    script: decodeScript(o.script, `${path}.script`),
    scriptArgs: decodeScriptArgs(o.script_args, `${path}.script_args`),
    history: decodeHistory(
      history.process_states,
      `${path}.history.process_states`,
      procedureState,
    ),
    stacktrace: stacktrace === undefined || stacktrace === null
      ? null
      : str(stacktrace, `${path}.history.stacktrace`),
    state: procedureState(str(o.state, `${path}.state`)),
    uri,
    raw: withId(o, id),
  };
}

/** Decodes one activity summary (bare or already unwrapped). */
export function decodeActivity(value: unknown, path = "activity"): Activity {
  const o = obj(value, path);
  const uri = str(o.uri, `${path}.uri`);
  const id = decodeId(o, uri, path);
  const rawPid = o.procedure_id ?? o.pid;
  return {
    id,
    name: str(o.activity_name, `${path}.activity_name`),
    sbdId: str(o.sbd_id, `${path}.sbd_id`),
    sbiId: optStr(o.sbi_id, `${path}.sbi_id`),
    procedureId: rawPid === undefined || rawPid === null
      ? null
      : num(rawPid, `${path}.procedure_id`),
    prepareOnly: o.prepare_only === true,
    scriptArgs: decodeScriptArgs(o.script_args, `${path}.script_args`),
    history: o.activity_states === undefined
      ? []
      : decodeHistory(o.activity_states, `${path}.activity_states`, activityState),
    state: activityState(str(o.state, `${path}.state`)),
    uri,
    raw: withId(o, id),
  };
}

/** Unwraps `{"<key>": {...}}` (5.x/6.x); a 7.x bare object passes through. */
export function unwrapOne(body: unknown, key: string): unknown {
  if (isJsonObject(body) && isJsonObject(body[key]) && body.uri === undefined) return body[key];
  return body;
}

/** Unwraps `{"<key>": [...]}` (5.x/6.x); a 7.x bare list passes through. */
export function unwrapList(body: unknown, key: string): Json[] {
  if (Array.isArray(body)) return body;
  if (isJsonObject(body)) return list(body[key], key);
  return fail(key, "a list", body);
}

/** Decodes a list of procedures, sorted by id. */
export function decodeProcedureList(body: unknown): Procedure[] {
  return unwrapList(body, "procedures")
    .map((p, i) => decodeProcedure(p, `procedures[${i}]`))
    .sort((a, b) => a.id - b.id);
}

/** Decodes a list of activities, sorted by id. */
export function decodeActivityList(body: unknown): Activity[] {
  return unwrapList(body, "activities")
    .map((a, i) => decodeActivity(a, `activities[${i}]`))
    .sort((a, b) => a.id - b.id);
}

/** Decodes the answer to a stop: `{"abort_message": "…"}`. */
export function decodeStopResult(body: unknown): StopResult {
  const o = obj(body, "response");
  return { message: str(o.abort_message, "abort_message"), raw: o };
}
