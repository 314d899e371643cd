/**
 * The telescope guard: what a command that changes what the telescope does
 * (`procedure create|start|stop`, `activity run`) passes before it sends
 * anything. At a terminal it says, in one line on stderr, which telescope
 * it is about to drive; a protected target needs the context's name typed
 * at a terminal (stdin and stderr terminals; stdout may be a pipe), or
 * `--yes`; without a terminal it refuses (exit 2). Every refusal happens
 * before the first request, so nothing reaches the server.
 */

import type { Target } from "../../../config/target.ts";
import { InterruptedError, OetError, UsageError } from "../../../domain/errors.ts";
import { escapeInline } from "../../../domain/escape.ts";
import type { CommandContext } from "../../framework/command_context.ts";
import { type FlagOption, switchOption } from "../../framework/spec.ts";

/** `--yes` of the commands that change what the telescope does. */
export function yesOption(): FlagOption {
  return switchOption(
    "yes",
    "do not ask for a protected context's name (for scripts); protection still says so on a terminal",
  );
}

/** "SKA-Mid (context mid-prod, protected)", or the server's host without a context. */
export function describeTarget(t: Target): string {
  const c = t.context;
  if (c) {
    const more = [`context ${c.name}`, c.settings.protected ? "protected" : undefined]
      .filter((x) => x !== undefined).join(", ");
    return c.settings.telescope ? `${c.settings.telescope} (${more})` : more;
  }
  const host = t.url.host;
  const notes = [
    t.protectedBy ? `the server of protected context ${t.protectedBy}` : undefined,
    // The environment won over the current context: say so, it is easy to forget an export.
    t.current !== undefined
      ? `${t.urlSource} wins over the current context ${t.current}`
      : undefined,
  ].filter((n) => n !== undefined);
  return notes.length ? `${host} (${notes.join("; ")})` : host;
}

/**
 * Asks for `name` to be typed, at a terminal only; `--yes` skips it.
 * Throws a UsageError (exit 2) without a terminal, an OetError (exit 1)
 * for a wrong name or end of input, an InterruptedError (130) on Ctrl-C.
 */
export async function confirmByName(
  ctx: CommandContext,
  name: string,
  what: string,
  yes: boolean,
): Promise<void> {
  if (yes) return;
  const input = ctx.io.in;
  if (!input?.isTerminal || !ctx.io.err.isTerminal) {
    throw new UsageError(
      `context ${name} is protected: ${what} needs --yes when oet is not at a terminal`,
      {
        hint:
          "nothing was sent. At a terminal, oet asks you to type the context's name; in a script, add --yes",
      },
    );
  }
  ctx.io.err.write(`context ${name} is protected. Type its name to ${what}: `);
  let typed: string | undefined;
  try {
    typed = await input.readLine(ctx.signal);
  } catch (err) {
    if (err instanceof InterruptedError) {
      ctx.io.err.write("\n");
      throw new InterruptedError(err.signal, "interrupted: not confirmed, nothing was sent", {
        hint: err.hint,
      });
    }
    throw err;
  }
  if (typed === undefined) {
    ctx.io.err.write("\n");
    throw new OetError("not confirmed (end of input): nothing was sent");
  }
  if (typed.trim() !== name) {
    throw new OetError(
      `not confirmed: ${
        JSON.stringify(escapeInline(typed.trim()))
      } is not ${name}; nothing was sent`,
    );
  }
}

/**
 * Before a command that changes what the telescope does: the one line at a
 * terminal, then the confirmation a protected target needs.
 */
export async function guardTelescope(
  ctx: CommandContext,
  action: string,
  yes: boolean,
): Promise<Target> {
  const t = await ctx.target();
  if (ctx.io.err.isTerminal) ctx.io.err.write(`${action} on ${escapeInline(describeTarget(t))}\n`);
  if (t.protectedBy) await confirmByName(ctx, t.protectedBy, action, yes);
  return t;
}
