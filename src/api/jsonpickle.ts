/**
 * Decodes the jsonpickle payloads of 5.x/6.x event streams into plain JSON.
 *
 * The servers serialise each event with `jsonpickle.dumps`, so Python objects
 * arrive as tagged graphs (docs/servers.md, "Event payloads"). `oet` does not rebuild Python
 * objects; it turns every tag into the plain value a 7.x server would send:
 *
 * - `py/object` → its fields (from `py/state` when present), without the tag;
 * - `py/reduce` of an enum (by name via `builtins.getattr`, or by value) → the
 *   member name, e.g. `"READY"`;
 * - `py/reduce` of an exception → `{"exception": "ValueError", "message": …}`;
 * - `py/tuple`, `py/set` → arrays; `py/b64`/`py/bytes` → text;
 * - `py/type`, `py/function` → the dotted name; `py/repr` → its text;
 * - `py/id` N → the N-th object seen, counting in jsonpickle's own pre-order
 *   (the top-level dict is 0; dicts, lists, objects and reduces count,
 *   tuples do not);
 * - any other `py/…` key is dropped, so no tag survives.
 */

import { ACTIVITY_STATES, PROCEDURE_STATES } from "../domain/states.ts";
import { isJsonObject, type Json, type JsonObject } from "../domain/types.ts";

/** The servers' enums whose members jsonpickle may encode by value (1-based, declaration order). */
const ENUM_MEMBERS: Record<string, readonly string[]> = {
  ProcedureState: PROCEDURE_STATES,
  ActivityState: ACTIVITY_STATES,
};

/** True if the value holds any `py/` tag at any depth (cheap pre-check). */
export function hasPickleTags(text: string): boolean {
  return text.includes('"py/');
}

/** Decodes one jsonpickle document (already JSON-parsed) to plain JSON. */
export function decodeJsonPickle(value: Json): Json {
  return new Decoder().restore(value);
}

function lastName(dotted: string): string {
  const i = dotted.lastIndexOf(".");
  return i >= 0 ? dotted.slice(i + 1) : dotted;
}

function typeName(value: Json): string | undefined {
  if (!isJsonObject(value)) return undefined;
  const t = value["py/type"] ?? value["py/function"];
  return typeof t === "string" ? t : undefined;
}

function bytesToText(b64: string): string {
  try {
    // Not base64, or not UTF-8: the text as sent (a bad event must not break the stream).
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return b64;
  }
}

class Decoder {
  /** Objects in the order jsonpickle numbered them (index = `py/id`). */
  #objs: Json[] = [];
  /** Objects still being restored: a `py/id` to one of them is a cycle. */
  readonly #open = new Set<Json>();

  restore(value: Json): Json {
    if (Array.isArray(value)) {
      const slot = this.#register(null);
      const out = value.map((v) => this.restore(v));
      this.#objs[slot] = out;
      return out;
    }
    if (!isJsonObject(value)) return value;
    if ("py/id" in value) {
      const idx = value["py/id"];
      const target = Number.isInteger(idx) && (idx as number) >= 0
        ? this.#objs[idx as number] ?? null
        : null;
      // Plain JSON has no cycles (a Python object pointing back at itself).
      return this.#open.has(target) ? null : target;
    }
    if ("py/tuple" in value) return this.#restoreSeq(value["py/tuple"]);
    if ("py/set" in value) return this.#restoreSeq(value["py/set"]);
    if ("py/b64" in value) return bytesToText(String(value["py/b64"]));
    if ("py/bytes" in value) return String(value["py/bytes"]);
    if ("py/repr" in value) return String(value["py/repr"]);
    if ("py/type" in value) return String(value["py/type"]);
    if ("py/function" in value) return String(value["py/function"]);
    if ("py/module" in value) return String(value["py/module"]);
    if ("py/reduce" in value) return this.#restoreReduce(value["py/reduce"]);
    if ("py/object" in value) return this.#restoreObject(value);
    return this.#restoreDict(value);
  }

  #register(value: Json): number {
    this.#objs.push(value);
    return this.#objs.length - 1;
  }

  #restoreSeq(items: Json): Json[] {
    // Tuples and sets are not numbered by jsonpickle.
    return Array.isArray(items) ? items.map((v) => this.restore(v)) : [];
  }

  #restoreDict(value: JsonObject): JsonObject {
    const out: JsonObject = {};
    this.#register(out);
    this.#open.add(out);
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("py/")) continue;
      out[k] = this.restore(v);
    }
    this.#open.delete(out);
    return out;
  }

  #restoreObject(value: JsonObject): Json {
    const out: JsonObject = {};
    const slot = this.#register(out);
    this.#open.add(out);
    try {
      return this.#fillObject(value, out, slot);
    } finally {
      this.#open.delete(out);
    }
  }

  #fillObject(value: JsonObject, out: JsonObject, slot: number): Json {
    if ("py/state" in value) {
      // The state dict is numbered after its object, as jsonpickle does.
      const state = this.restore(value["py/state"]);
      if (!isJsonObject(state)) {
        this.#objs[slot] = state;
        return state;
      }
      Object.assign(out, state);
    }
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith("py/")) continue;
      out[k] = this.restore(v);
    }
    return out;
  }

  #restoreReduce(parts: Json): Json {
    const slot = this.#register(null);
    const items = Array.isArray(parts) ? parts : [];
    const fn = typeName(items[0]);
    const args = isJsonObject(items[1]) && Array.isArray(items[1]["py/tuple"])
      ? this.#restoreSeq(items[1]["py/tuple"])
      : [];
    const state = items[2] === undefined ? undefined : this.restore(items[2]);
    let result: Json;
    if (fn === "builtins.getattr" && args.length === 2 && typeof args[1] === "string") {
      // Enum pickled by name: getattr(ProcedureState, "READY").
      result = args[1];
    } else if (
      fn && ENUM_MEMBERS[lastName(fn)] && args.length === 1 && typeof args[0] === "number"
    ) {
      // Enum pickled by value: ProcedureState(7).
      result = ENUM_MEMBERS[lastName(fn)][args[0] - 1] ?? args[0];
    } else if (fn) {
      // An exception or another object rebuilt from (callable, args, state).
      const out: JsonObject = { exception: lastName(fn), message: formatArgs(args) };
      if (args.length) out.args = args;
      if (isJsonObject(state) && Object.keys(state).length) out.state = state;
      result = out;
    } else {
      result = args;
    }
    this.#objs[slot] = result;
    return result;
  }
}

function formatArgs(args: Json[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
}
