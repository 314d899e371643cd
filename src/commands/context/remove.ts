/** `oet context remove NAME [--yes]`. */

import { confirmByName, yesOption } from "../shared/target/guard.ts";
import { defineCommand } from "../framework/spec.ts";
import { checkName, existing } from "./settings.ts";

/** Removes a context; a protected one asks for its name first. */
export const contextRemoveCommand = defineCommand({
  description:
    "Remove a context. Removing the current one leaves no current context. A protected context is removed only after its name is typed at a terminal, or with --yes; without a terminal and without --yes it is refused (exit 2).",
  args: [{ name: "name", required: true, help: "the context", complete: "context" }],
  options: { yes: yesOption() },
  examples: `oet context remove old-itf`,
  async run(ctx, { args, opts }) {
    const name = checkName(args[0]);
    const config = await ctx.config.load();
    const c = existing(config, name);
    if (c.protected) await confirmByName(ctx, name, `remove it`, opts.yes);
    const contexts = { ...config.data.contexts };
    delete contexts[name];
    const wasCurrent = config.data.currentContext === name;
    await ctx.config.save(config, {
      currentContext: wasCurrent ? undefined : config.data.currentContext,
      contexts,
    });
    ctx.io.err.write(
      `removed context ${name}${wasCurrent ? "; there is no current context now" : ""}\n`,
    );
  },
});
