/** `oet auth login`: the OAuth 2.0 device authorization grant (RFC 8628). */

import { logIn } from "../../auth/login.ts";
import { formatUtc } from "../../domain/aaa.ts";
import { InterruptedError } from "../../domain/errors.ts";
import { formatDocument } from "../../render/output.ts";
import { note, warn } from "../framework/feedback.ts";
import { outputOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";

/** Logs in with a code typed in a browser (any device), and keeps the tokens. */
export const authLoginCommand = defineCommand({
  description:
    "Log in to SKA's AAA with the OAuth 2.0 device authorization grant: oet shows a URL and a code, you sign in there (on any device), and oet keeps the tokens under $XDG_CONFIG_HOME/oet (else ~/.config/oet), private to you. The access token is renewed silently while the refresh token lasts. Needs OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE (environment or .env). Works without a terminal; Ctrl-C gives up.",
  options: { output: outputOption() },
  examples: `export OET_AUTH_ISSUER=https://login.microsoftonline.com/<tenant>/v2.0
export OET_AUTH_CLIENT_ID=<public client id>
export OET_AUTH_SCOPE='api://<oet app>/.default offline_access'
oet auth login`,
  async run(ctx, { opts }) {
    const source = await ctx.tokens();
    let result;
    try {
      result = await logIn(source, {
        signal: ctx.signal,
        prompt(p) {
          const url = p.verificationUriComplete ?? p.verificationUri;
          note(ctx.io, `To sign in, open ${url} and enter the code ${p.userCode}`);
          if (p.message && !p.message.includes(p.userCode)) note(ctx.io, p.message);
          note(
            ctx.io,
            `waiting for the sign-in (the code expires at ${
              formatUtc(p.expiresAt / 1000)
            }; Ctrl-C gives up)`,
          );
        },
      });
    } catch (err) {
      if (!(err instanceof InterruptedError)) throw err;
      throw new InterruptedError(
        err.signal,
        "interrupted: the login was not completed; nothing was saved",
      );
    }
    note(ctx.io, result.message);
    for (const n of result.notes) warn(ctx.io, n);
    if (opts.output !== "table") {
      const json = {
        logged_in: true,
        name: result.claims?.name ?? null,
        username: result.claims?.username ?? null,
        expires_at: result.expiresAt === undefined
          ? null
          : new Date(Math.floor(result.expiresAt) * 1000).toISOString(),
        renewable: result.hasRefreshToken,
        cache: result.cachePath,
      };
      ctx.io.out.write(
        formatDocument(opts.output, json, ctx.io.out.isTerminal),
      );
    }
  },
});
