/** `oet auth logout`: forget the kept login. */

import { logOut } from "../../auth/login.ts";
import { formatDocument } from "../../render/output.ts";
import { note, warn } from "../framework/feedback.ts";
import { outputOption } from "../framework/options.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";

/** Removes the cached login (and says what was removed). */
export const authLogoutCommand = defineCommand({
  description:
    "Forget the login oet auth login kept for the OET_AUTH_* settings (with --all, or without the settings, every login). The tokens are deleted from this machine; nothing is revoked at the issuer.",
  options: {
    all: switchOption("all", "forget every kept login, whatever the settings"),
    output: outputOption(),
  },
  examples: `oet auth logout
oet auth logout --all`,
  async run(ctx, { opts }) {
    const r = await logOut(await ctx.tokens(), { all: opts.all });
    note(ctx.io, r.message);
    for (const n of r.notes) warn(ctx.io, n);
    if (opts.output !== "table") {
      const json = {
        cache: r.cachePath,
        removed: r.removed.map((e) => ({
          issuer: e.issuer,
          client_id: e.clientId,
          scope: e.scope,
        })),
      };
      ctx.io.out.write(
        formatDocument(opts.output, json, ctx.io.out.isTerminal),
      );
    }
  },
});
