/**
 * Follow-up commands that reach the same telescope. Every hint that prints
 * an `oet …` command to run next (detach, timeout, errors) formats it here,
 * so that the printed `stop` hits the server this command talked to: it
 * adds `--context NAME` when the context in effect is not the current one,
 * or `--server-url URL` when a URL won over the current context (or came
 * from `--server-url`). With no file and no flag (a CI job), nothing is
 * added.
 */

import type { Target } from "../../../config/target.ts";
import { redactUrl } from "../../../domain/redact.ts";
import type { CommandContext } from "../../framework/command_context.ts";

/** The options that name `target` for a follow-up command: "", " --context low", " --server-url URL". */
export function targetOptions(target: Target | undefined): string {
  if (!target) return "";
  const c = target.context;
  if (c) return c.name === target.current ? "" : ` --context ${c.name}`;
  if (target.urlSource === "--server-url" || target.current !== undefined) {
    return ` --server-url ${redactUrl(target.url)}`;
  }
  return "";
}

/** `oet <words>` plus the options that keep it on this command's target. */
export function oetCommand(ctx: TargetAware, words: string): string {
  return `oet ${words}${targetOptions(ctx.resolvedTarget?.())}`;
}

/** What knows the command's target (a CommandContext; a test's fake may not). */
export type TargetAware = Partial<Pick<CommandContext, "resolvedTarget">>;
