/** `oet auth token`: the only command that prints a token. */

import { defineCommand } from "../framework/spec.ts";

/** Prints a valid access token (renewed first if needed), for other tools. */
export const authTokenCommand = defineCommand({
  description:
    "Print the access token oet would send (renewing a kept login first if it is about to expire), for other tools. Exit 5 when there is none.",
  options: {},
  examples:
    `curl -H "Authorization: Bearer $(oet auth token)" https://oet.example/ska-oso-oet/oet/api/v8/procedures/`,
  async run(ctx) {
    const t = await (await ctx.tokens()).require(ctx.signal);
    ctx.io.out.write(`${t.token}\n`);
  },
});
