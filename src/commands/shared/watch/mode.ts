/** How `--watch` shows changes, from `-o` and whether stdout is a terminal. */

import { UsageError } from "../../../domain/errors.ts";
import type { IO } from "../../../render/io.ts";
import type { OutputFormat } from "../../../render/output.ts";
import type { WatchMode } from "./printer.ts";

/** The help line of `--watch`. */
export const WATCH_HELP =
  "print the table, then every change as it happens, until Ctrl-C: redrawn in place on a terminal, one row per change in a pipe, one object per change with -o jsonl";

/**
 * The watch's output form: the table redrawn on a terminal, appended rows
 * in a pipe, or JSON lines. `-o json` (one document) and `-o id` cannot
 * show changes: a usage error, before anything is sent.
 */
export function watchMode(io: IO, format: OutputFormat): WatchMode {
  if (format === "jsonl") return "jsonl";
  if (format === "table") return io.out.isTerminal ? "redraw" : "append";
  throw new UsageError(
    `--watch cannot print -o ${format}: it shows changes as they happen, as a table or as -o jsonl (one object per change)`,
    { hint: "drop --watch for one document, or use -o jsonl" },
  );
}
