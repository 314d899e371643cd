/** `oet context rename OLD NEW`. */

import { UsageError } from "../../domain/errors.ts";
import { defineCommand } from "../framework/spec.ts";
import { checkName, existing } from "./settings.ts";

/** Renames a context (the current one stays current under its new name). */
export const contextRenameCommand = defineCommand({
  description: "Rename a context; the current context stays current under its new name.",
  args: [
    { name: "old", required: true, help: "the context", complete: "context" },
    { name: "new", required: true, help: "its new name" },
  ],
  options: {},
  examples: `oet context rename mid mid-itf`,
  async run(ctx, { args }) {
    const from = checkName(args[0]);
    const to = checkName(args[1]);
    const config = await ctx.config.load();
    existing(config, from);
    if (config.data.contexts[to]) {
      throw new UsageError(`context ${to} already exists in ${config.path}`);
    }
    // Keep the file's order: the renamed context stays where it was.
    const contexts = Object.fromEntries(
      Object.entries(config.data.contexts).map(([n, c]) => [n === from ? to : n, c]),
    );
    await ctx.config.save(config, {
      currentContext: config.data.currentContext === from ? to : config.data.currentContext,
      contexts,
    });
    ctx.io.err.write(`renamed context ${from} to ${to}\n`);
  },
});
