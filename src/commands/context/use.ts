/** `oet context use NAME`. */

import { defineCommand } from "../framework/spec.ts";
import { checkName, existing } from "./settings.ts";
import { overriddenBy } from "./show.ts";

/** Makes a context the current one. */
export const contextUseCommand = defineCommand({
  description:
    "Make NAME the current context: commands without --server-url or --context use it, unless the environment names a server or a context (OET_REST_URI, OET_URL, OET_CONTEXT, or the same in .env), which then says so.",
  args: [{ name: "name", required: true, help: "the context", complete: "context" }],
  options: {},
  examples: `oet context use mid-itf`,
  async run(ctx, { args }) {
    const name = checkName(args[0]);
    const config = await ctx.config.load();
    existing(config, name);
    await ctx.config.save(config, { ...config.data, currentContext: name });
    ctx.io.err.write(`${name} is now the current context\n`);
    const by = overriddenBy(ctx.settings.env, ctx.settings.fromDotEnv);
    if (by) {
      ctx.io.err.write(
        `note: ${by} wins over the current context here; unset it to use ${name}\n`,
      );
    }
  },
});
