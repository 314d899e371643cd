/**
 * Which procedure an event is about, read from the event itself: the
 * listen filters and the console's messages pane both need it.
 */

import { isJsonObject, type Json, type OetEvent } from "../../domain/types.ts";
import { isDigits } from "../../domain/text.ts";

/** A whole number given as a number or as digits. */
function num(value: Json | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && isDigits(value)) return Number(value);
  return undefined;
}

/** The id in a procedure or activity summary (its `id`, or the end of its `uri`). */
export function idOf(result: Json | undefined): number | undefined {
  if (!isJsonObject(result)) return undefined;
  return num(result.id) ??
    (typeof result.uri === "string" ? num(result.uri.split("/").at(-1)) : undefined);
}

/** The procedure an event is about, when it says. */
export function eventProcedureId(e: OetEvent): number | undefined {
  const fromSource = num(e.msgSrc);
  if (fromSource !== undefined) return fromSource;
  const cmd = isJsonObject(e.data.cmd) ? e.data.cmd : undefined;
  if (cmd && num(cmd.process_uid) !== undefined) return num(cmd.process_uid);
  if (e.topic === "activity.lifecycle.running" && isJsonObject(e.data.result)) {
    return num(e.data.result.procedure_id ?? e.data.result.pid);
  }
  if (e.topic.startsWith("procedure.lifecycle.")) return idOf(e.data.result);
  return undefined;
}
