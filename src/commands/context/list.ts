/** `oet context list [-o json]`. */

import { redactUrl } from "../../domain/redact.ts";
import { formatRecords } from "../../render/output.ts";
import { tabulate } from "../../render/table.ts";
import { hint } from "../framework/feedback.ts";
import { outputOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";
import { contextJson } from "./settings.ts";

/** Lists the contexts. */
export const contextListCommand = defineCommand({
  description:
    "The contexts: name, telescope, server and protection, the current one marked with *. With no configuration file, an empty list (and a hint on stderr).",
  options: { output: outputOption() },
  examples: `oet context list
oet context list -o json | jq -r '.[] | select(.protected) | .name'`,
  async run(ctx, { opts }) {
    const config = await ctx.config.load();
    const current = config.data.currentContext;
    const entries = Object.entries(config.data.contexts);
    if (opts.output === "table") {
      if (entries.length) {
        ctx.io.out.write(
          tabulate(
            ["Current", "Name", "Telescope", "Server", "Protected"],
            entries.map(([name, c]) => [
              name === current ? "*" : "",
              name,
              c.telescope ?? "",
              redactUrl(c.server_url),
              c.protected ? "yes" : "",
            ]),
          ) + "\n",
        );
      }
    } else {
      // -o id: the names, one a line.
      const records = entries.map(([name, c], i) => ({
        id: i,
        json: { ...contextJson(name, c, current) },
      }));
      ctx.io.out.write(
        opts.output === "id"
          ? entries.map(([name]) => `${name}\n`).join("")
          : formatRecords(opts.output, records, { single: false, pretty: ctx.io.out.isTerminal }),
      );
    }
    if (!entries.length) {
      hint(
        ctx.io,
        `no contexts yet (${
          config.exists ? "none in" : "no file at"
        } ${config.path}); add one with: oet context add NAME --server-url URL`,
      );
    }
  },
});
