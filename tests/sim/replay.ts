/**
 * Helpers for replaying recorded OET exchanges against the simulator and
 * comparing the answers by shape: status, content type, JSON keys (in order)
 * and value types, and the values that do not depend on time or place.
 */

import type { RecordedRequest, RecordedResponse } from "../support/transcripts.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { pyDumps } from "../../sim/src/py_json.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kind(v: Json): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** What may legitimately differ between a recording and the simulator. */
export interface CompareContext {
  /** Origin of the recorded server (`http://127.0.0.1:5000`). */
  recordedOrigin: string;
  /** Origin of the simulator. */
  simOrigin: string;
  /** The response answers a create: its history may be more or less advanced. */
  partialHistory: boolean;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** Normalises the parts of a value that are times, random names or dates. */
function normalise(key: string, s: string, ctx: CompareContext): string {
  if (key === "uri") return s.replace(ctx.recordedOrigin, ctx.simOrigin);
  if (key === "sb_json") {
    // v5: /tmp/sbs/<sbd>-<version>-<ns>.json; v6.3+: a tempfile (the 7.0.0
    // recording's TMPDIR was rewritten to /srv/oet/run/tmp).
    return basename(s).replace(/\d{19}/, "N").replace(/^tmp[a-z0-9_]{8}\.json$/, "tmpX.json");
  }
  if (key === "sbi_id") return s.replace(/-\d{8}-/, "-DATE-");
  // Script locations chosen by the server side (SBDs, abort.py) are the
  // recording host's; the script is identified by its file name.
  if (key === "script_uri") return s.replace(/^(file:\/\/).*\//, "$1…/");
  if (key === "stacktrace") {
    // Paths and line numbers are the host's; the first and last lines are not.
    const lines = s.trimEnd().split("\n");
    return `${lines[0]}\n…\n${lines[lines.length - 1]}`;
  }
  return s;
}

/**
 * Every difference between `recorded` and `actual`, as `path: message`
 * strings. Timestamps (second items of `process_states`/`activity_states`
 * entries) are compared by type only.
 */
export function shapeDiff(
  recorded: Json,
  actual: Json,
  ctx: CompareContext,
  path = "$",
  key = "",
): string[] {
  if (kind(recorded) !== kind(actual)) {
    return [`${path}: type ${kind(actual)}, recorded ${kind(recorded)}`];
  }
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    const out: string[] = [];
    const timestamped = key === "process_states" || key === "activity_states";
    let n = recorded.length;
    if (recorded.length !== actual.length) {
      if (!(ctx.partialHistory && key === "process_states")) {
        return [`${path}: length ${actual.length}, recorded ${recorded.length}`];
      }
      n = Math.min(recorded.length, actual.length);
    }
    for (let i = 0; i < n; i++) {
      const r = recorded[i];
      const a = actual[i];
      if (timestamped && Array.isArray(r) && Array.isArray(a) && r.length === 2) {
        out.push(...shapeDiff(r[0], a[0], ctx, `${path}[${i}][0]`));
        if (kind(r[1]) !== kind(a[1])) out.push(`${path}[${i}][1]: timestamp type differs`);
        if (a.length !== 2) out.push(`${path}[${i}]: length ${a.length}`);
      } else out.push(...shapeDiff(r, a, ctx, `${path}[${i}]`, key));
    }
    return out;
  }
  if (isObject(recorded) && isObject(actual)) {
    const rk = Object.keys(recorded);
    const ak = Object.keys(actual);
    if (rk.join(",") !== ak.join(",")) return [`${path}: keys [${ak}], recorded [${rk}]`];
    return rk.flatMap((k) => shapeDiff(recorded[k], actual[k], ctx, `${path}.${k}`, k));
  }
  if (typeof recorded === "string" && typeof actual === "string") {
    const r = normalise(key, recorded, ctx);
    const a = normalise(key, actual, ctx);
    return r === a ? [] : [`${path}: ${JSON.stringify(a)}, recorded ${JSON.stringify(r)}`];
  }
  return recorded === actual ? [] : [`${path}: ${actual}, recorded ${recorded}`];
}

/** How a JSON body was written: Python default, compact or indented, and a final newline. */
export function jsonDialect(text: string): string {
  const newline = text.endsWith("\n");
  const body = newline ? text.slice(0, -1) : text;
  const value = JSON.parse(body);
  const suffix = newline ? "+newline" : "";
  if (body === pyDumps(value)) return "python-default" + suffix;
  if (body === pyDumps(value, { compact: true })) return "compact" + suffix;
  if (body === pyDumps(value, { compact: true, ensureAscii: false })) return "compact" + suffix;
  if (body === pyDumps(value, { indent: 2 })) return "indent-2" + suffix;
  return "other";
}

/** The request to send to the simulator for a recorded one. */
export function simRequest(rec: RecordedRequest, sim: Simulator): Request {
  const url = new URL(rec.url);
  const headers = new Headers(rec.headers);
  // curl -d without -H sends a form content type; fetch would send text/plain.
  if (rec.body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  return new Request(sim.origin + url.pathname + url.search, {
    method: rec.method,
    headers,
    body: rec.body,
    redirect: "manual",
  });
}

/** Procedure ids and states in a recorded body (either generation's shape). */
export function recordedStates(text: string): Map<number, string> {
  const out = new Map<number, string>();
  if (!text) return out;
  const body: Json = JSON.parse(text);
  const visit = (v: Json) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      const uri = typeof v.uri === "string" ? /\/procedures\/(\d+)$/.exec(v.uri) : null;
      if (uri && typeof v.state === "string" && "history" in v) out.set(Number(uri[1]), v.state);
      else Object.values(v).forEach(visit);
    }
  };
  visit(body);
  return out;
}

/** A response's body compared with a recorded one; returns the differences. */
export function compareResponse(
  recorded: RecordedResponse,
  status: number,
  headers: Headers,
  body: string,
  ctx: CompareContext,
): string[] {
  const diffs: string[] = [];
  if (status !== recorded.status) diffs.push(`status ${status}, recorded ${recorded.status}`);
  const rType = recorded.headers["content-type"];
  const aType = headers.get("content-type") ?? undefined;
  if (rType !== aType) diffs.push(`content-type ${aType}, recorded ${rType}`);
  for (const name of ["location", "allow"]) {
    const r = recorded.headers[name]?.replace(ctx.recordedOrigin, ctx.simOrigin);
    if (r !== (headers.get(name) ?? undefined)) {
      diffs.push(`${name} ${headers.get(name)}, recorded ${r}`);
    }
  }
  if (diffs.length) return diffs;
  if (rType && /json/.test(rType) && recorded.body.length) {
    const rd = jsonDialect(recorded.body);
    const ad = jsonDialect(body);
    if (rd !== ad) diffs.push(`JSON written ${ad}, recorded ${rd}`);
    diffs.push(...shapeDiff(JSON.parse(recorded.body), JSON.parse(body), ctx));
  } else if (body !== recorded.body) {
    diffs.push(`body ${JSON.stringify(body)}, recorded ${JSON.stringify(recorded.body)}`);
  }
  return diffs;
}
