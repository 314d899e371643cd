/** `oet auth status`: who the token says you are, and until when — never the token. */

import { AuthError } from "../../domain/errors.ts";
import type { JsonObject } from "../../domain/types.ts";
import type { AuthStatus } from "../../auth/token_source.ts";
import { escapeInline } from "../../domain/escape.ts";
import { formatDocument } from "../../render/output.ts";
import { outputOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";

function rows(s: AuthStatus): [string, string][] {
  const who = s.name && s.username && s.name !== s.username
    ? `${s.name} (${s.username})`
    : s.name ?? s.username;
  const list = (v: string[] | undefined) =>
    v === undefined ? undefined : v.length ? v.join(" ") : "(none)";
  const expiry = s.expires
    ? `${s.expires} (${s.expiresIn})${s.renewable ? ", renewed when needed" : ""}`
    : undefined;
  const out: [string, string | undefined][] = [
    ["user", who],
    ["token from", s.source],
    ["roles", list(s.roles)],
    ["scopes", list(s.scopes)],
    ["audience", list(s.audience)],
    ["issuer", s.issuer],
    ["expires", expiry],
    [
      "login",
      s.login ? `${s.login.issuer}, client ${s.login.clientId}, scope ${s.login.scope}` : undefined,
    ],
    ["login cache", s.login?.cache],
  ];
  return out.filter((r): r is [string, string] => r[1] !== undefined);
}

const HEADLINE: Record<AuthStatus["state"], string> = {
  valid: "authenticated",
  renewable: "authenticated (the access token has expired and will be renewed on use)",
  expired: "not authenticated: the token has expired",
  none: "not authenticated: no token is configured (a server without AAA needs none)",
  "not-logged-in": "not authenticated: not logged in",
  unusable: "not authenticated: the token cannot be used",
  unreadable:
    "not authenticated: the token is not a JWT, so it names no one and no expiry (an OET behind SKA's AAA takes Entra ID access tokens, which are JWTs)",
};

/** Prints what the token says (exit 0), or why there is none to use (exit 5). */
export const authStatusCommand = defineCommand({
  description:
    "Show the access token oet would send: where it comes from, who it names, its roles, scopes, audience and issuer, and when it expires (UTC, and how long from now). Never the token itself. Reads no network. Exit 0 when a token is at hand (or will be renewed), 5 when not.",
  options: { output: outputOption() },
  examples: `oet auth status
oet auth status -o json | jq .expires_at`,
  async run(ctx, { opts }) {
    const s = await (await ctx.tokens()).status();
    if (opts.output === "table") {
      const table = rows(s);
      const width = Math.max(...table.map(([k]) => k.length), 0) + 2;
      // Not authenticated: the headline is the error on stderr; stdout keeps the details.
      if (s.authenticated) ctx.io.out.write(`${HEADLINE[s.state]}\n`);
      for (const [k, v] of table) {
        ctx.io.out.write(`  ${`${k}:`.padEnd(width)}${escapeInline(v)}\n`);
      }
      if (s.problem) ctx.io.out.write(`  ${"problem:".padEnd(width)}${escapeInline(s.problem)}\n`);
    } else {
      const json: JsonObject = {
        authenticated: s.authenticated,
        state: s.state,
        source: s.source ?? null,
        name: s.name ?? null,
        username: s.username ?? null,
        roles: s.roles ?? null,
        scopes: s.scopes ?? null,
        audience: s.audience ?? null,
        issuer: s.issuer ?? null,
        expires_at: s.expiresAt ?? null,
        renewable: s.renewable ?? null,
        login: s.login ? { ...s.login } : null,
        problem: s.problem ?? null,
      };
      ctx.io.out.write(
        formatDocument(opts.output, json, ctx.io.out.isTerminal),
      );
    }
    if (!s.authenticated) {
      throw new AuthError(
        s.state === "expired"
          ? "expired"
          : s.state === "unusable" || s.state === "unreadable"
          ? "rejected"
          : "no-token",
        HEADLINE[s.state],
        {
          hint: s.hint ?? "log in with: oet auth login, or set OET_TOKEN",
        },
      );
    }
  },
});
