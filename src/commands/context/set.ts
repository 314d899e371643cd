/** `oet context set NAME [settings…] [--no-protected] [--yes]`. */

import { confirmByName, yesOption } from "../shared/target/guard.ts";
import { defineCommand } from "../framework/spec.ts";
import { applySettings, checkName, existing, givenSettings, settingOptions } from "./settings.ts";

/** Changes the settings of a context; lifting a protection asks for its name first. */
export const contextSetCommand = defineCommand({
  description:
    "Change the settings given (--server-url and --request-timeout set the context's server and timeout); the others stay as they are. --no-protected (or --protected=False) lifts the protection: like removing a protected context, only after its name is typed at a terminal, or with --yes; without a terminal and without --yes it is refused (exit 2) and the file is not changed.",
  args: [{ name: "name", required: true, help: "the context", complete: "context" }],
  options: { ...settingOptions(), yes: yesOption() },
  examples: `oet context set mid-prod --protected
oet context set low-itf --request-timeout 60s
oet context set mid-itf --no-protected`,
  async run(ctx, { args, opts }) {
    const name = checkName(args[0]);
    const config = await ctx.config.load();
    const before = existing(config, name);
    const settings = {
      server_url: before.server_url,
      ...applySettings(before, givenSettings(opts, ctx.settings)),
    };
    // Lifting a protection is as grave as removing the context: the same guard.
    if (before.protected && !settings.protected) {
      await confirmByName(ctx, name, "lift its protection", opts.yes);
    }
    await ctx.config.save(config, {
      ...config.data,
      contexts: { ...config.data.contexts, [name]: settings },
    });
    ctx.io.err.write(`context ${name} changed in ${config.path}\n`);
  },
});
