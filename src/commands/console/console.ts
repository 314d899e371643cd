/**
 * `oet console [--read-only]`: the live OET in one screen — procedures,
 * activities, the selection's detail, the script messages — with keys to
 * create, start, run and stop. This module only checks that there is a
 * terminal; the screen itself (app.ts, with Ink) is loaded by a dynamic
 * import, so no other command pays for it.
 */

import { UsageError } from "../../domain/errors.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";
import { describeTarget } from "../shared/target/guard.ts";

/** `oet console`. */
export const consoleCommand = defineCommand({
  description:
    "A full-screen, live view of the OET: the procedures and activities (the list commands' tables), the detail of the selection, and the script messages as they arrive, with keys to create, start, run and stop. It needs a terminal; press ? for its keys, q to quit.",
  usesServer: true,
  options: {
    readOnly: switchOption("read-only", "watch only: the keys that act (c, s, r, x) are off"),
  },
  examples: `oet console
# on a shared screen: look, do not touch
oet console --read-only
# another deployment
oet --server-url http://oet:5000/ska-oso-oet/oet/api/v7 console`,
  async run(ctx, { opts }) {
    const terminal = ctx.terminal;
    if (!terminal?.interactive || (ctx.settings.env.TERM ?? "") === "dumb") {
      throw new UsageError(
        terminal?.interactive
          ? "oet console needs a terminal that can draw a screen (TERM=dumb)"
          : "oet console needs a terminal on stdin and stdout",
        {
          hint:
            "without one, follow the lists with: oet procedure list --watch, or the events with: oet listen",
        },
      );
    }
    const client = ctx.client();
    const root = client.streamUrl().replace(/\/stream$/, "");
    // The context and telescope (or the server's host), and the name a protected one wants typed.
    const target = await ctx.target();
    // React's production build: chosen before Ink (and React) load, in a chunk of its own.
    await import("./react_production.ts");
    const { runConsole } = await import("./app.ts");
    await runConsole(ctx, terminal, {
      readOnly: opts.readOnly,
      target: {
        label: describeTarget(target),
        root,
        protectedName: target.protectedBy,
        hints: ctx,
      },
    });
  },
});
