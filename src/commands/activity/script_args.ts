/**
 * `--script-args` of `oet activity run`: a map from function name to
 * `{"args": [...], "kwargs": {...}}` (each optional), in JSON or Python
 * literal syntax, or `@path` to read it from a file. Anything else is a
 * usage error that names what is wrong, and nothing is sent.
 */

import { UsageError } from "../../domain/errors.ts";
import { isJsonObject, type ScriptArgs } from "../../domain/types.ts";
import { parseLiteral } from "../framework/values.ts";

const EXAMPLE = `--script-args='{"init": {"kwargs": {"subarray_id": 1}}, "main": {"args": [1]}}'`;

/** Parses the text of `--script-args` (after reading any `@file`). */
export function parseScriptArgs(text: string, source = "--script-args"): ScriptArgs {
  if (!text.trim()) {
    throw new UsageError(`${source} is empty`, { hint: `for example ${EXAMPLE}` });
  }
  const parsed = parseLiteral(text.trim());
  if (!parsed.ok) {
    throw new UsageError(`${source} is not valid JSON or a Python literal: ${parsed.error}`, {
      hint: `for example ${EXAMPLE}`,
    });
  }
  const value = parsed.value;
  if (!isJsonObject(value)) {
    throw new UsageError(`${source} must map function names to {"args": [...], "kwargs": {...}}`, {
      hint: `for example ${EXAMPLE}`,
    });
  }
  const out: ScriptArgs = {};
  for (const [fn, call] of Object.entries(value)) {
    if (!isJsonObject(call)) {
      throw new UsageError(`${source}: "${fn}" must be an object with "args" and/or "kwargs"`, {
        hint: `for example ${EXAMPLE}`,
      });
    }
    for (const key of Object.keys(call)) {
      if (key !== "args" && key !== "kwargs") {
        throw new UsageError(
          `${source}: "${fn}" has "${key}"; only "args" and "kwargs" are allowed`,
        );
      }
    }
    const args = call.args ?? [];
    const kwargs = call.kwargs ?? {};
    if (!Array.isArray(args)) throw new UsageError(`${source}: "${fn}.args" must be a list`);
    if (!isJsonObject(kwargs)) throw new UsageError(`${source}: "${fn}.kwargs" must be an object`);
    out[fn] = { args, kwargs };
  }
  return out;
}

/** Reads `@path` values from a file; other values are returned as they are. */
export async function readScriptArgsText(
  value: string,
  read: (path: string) => Promise<string>,
): Promise<{ text: string; source: string }> {
  if (!value.startsWith("@")) return { text: value, source: "--script-args" };
  const path = value.slice(1);
  try {
    return { text: await read(path), source: `--script-args file ${path}` };
  } catch (err) {
    throw new UsageError(
      `cannot read --script-args file ${JSON.stringify(path)}: ${
        err instanceof Deno.errors.NotFound
          ? "no such file"
          : err instanceof Deno.errors.PermissionDenied
          ? "permission denied"
          : (err as Error).message
      }`,
    );
  }
}

/** Warnings for function names the servers treat differently from `oet`. */
export function scriptArgsWarnings(args: ScriptArgs): string[] {
  return Object.keys(args).filter((fn) => fn !== "init" && fn !== "main").map((fn) =>
    `--script-args function "${fn}" is neither "init" nor "main": OET 7 drops it, and OET 5/6 would call it as an extra function after init.${
      fn === "run"
        ? ' The reference doc\'s "run" is really "main" (the function the server calls).'
        : ""
    }`
  );
}
