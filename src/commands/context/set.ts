/** `oet context set NAME [settings…] [--no-protected]`. */

import { UsageError } from "../../domain/errors.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";
import { applySettings, checkName, existing, givenSettings, settingOptions } from "./settings.ts";

/** Changes the settings of a context. */
export const contextSetCommand = defineCommand({
  description:
    "Change the settings given (--server-url and --request-timeout set the context's server and timeout); the others stay as they are. --no-protected lifts the protection.",
  args: [{ name: "name", required: true, help: "the context", complete: "context" }],
  options: {
    ...settingOptions(),
    noProtected: switchOption("no-protected", "lift the protection"),
  },
  examples: `oet context set mid-prod --protected
oet context set low-itf --request-timeout 60s`,
  async run(ctx, { args, opts }) {
    const name = checkName(args[0]);
    if (opts.protected && opts.noProtected) {
      throw new UsageError("--protected and --no-protected cannot be used together");
    }
    const config = await ctx.config.load();
    const before = existing(config, name);
    const settings = {
      server_url: before.server_url,
      ...applySettings(before, givenSettings(opts, ctx.settings)),
    };
    if (opts.noProtected) delete settings.protected;
    await ctx.config.save(config, {
      ...config.data,
      contexts: { ...config.data.contexts, [name]: settings },
    });
    ctx.io.err.write(`context ${name} changed in ${config.path}\n`);
  },
});
