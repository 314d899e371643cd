/** `oet context show [NAME] [-o json]`. */

import type { Env, EnvName } from "../../config/config.ts";
import type { JsonObject } from "../../domain/types.ts";
import { escapeInline } from "../../domain/escape.ts";
import { redactUrl } from "../../domain/redact.ts";
import { formatDocument } from "../../render/output.ts";
import { outputOption } from "../framework/options.ts";
import { defineCommand } from "../framework/spec.ts";
import { checkName, contextJson, existing } from "./settings.ts";

/**
 * The first setting that wins over the current context in this
 * environment ("OET_REST_URI in the environment"), if any.
 */
export function overriddenBy(env: Env, fromDotEnv: ReadonlySet<EnvName>): string | undefined {
  const set = (k: EnvName) => env[k] !== undefined && env[k]!.trim() !== "";
  const keys = ["OET_REST_URI", "OET_URL", "OET_CONTEXT"] as const;
  const real = keys.find((k) => set(k) && !fromDotEnv.has(k));
  if (real) return `${real} in the environment`;
  const dot = keys.find((k) => set(k) && fromDotEnv.has(k));
  return dot ? `${dot} in .env` : undefined;
}

/** Shows a context and why it is (or is not) in effect. */
export const contextShowCommand = defineCommand({
  description:
    "Show a context's settings and why it is in effect (source: --context, OET_CONTEXT, the current context). Without NAME, the context in effect; when none is (a URL won, or there is no context), the server in effect and where it came from.",
  args: [{ name: "name", help: "the context (default: the one in effect)", complete: "context" }],
  options: { output: outputOption() },
  examples: `oet context show
oet --context mid-prod context show -o json`,
  async run(ctx, { args, opts }) {
    const target = await ctx.target();
    const config = target.config;
    const name = args[0] !== undefined ? checkName(args[0]) : target.context?.name;
    const inEffect = name !== undefined && target.context?.name === name;
    let json: JsonObject;
    if (name === undefined) {
      json = {
        name: null,
        server_url: redactUrl(target.url),
        telescope: null,
        protected: target.protectedBy !== undefined,
        current: false,
        source: target.urlSource,
        in_effect: false,
        protected_by: target.protectedBy ?? null,
        file: config.path,
      };
    } else {
      const c = existing(config, name);
      json = {
        ...contextJson(name, c, config.data.currentContext),
        source: inEffect ? target.context!.source : null,
        in_effect: inEffect,
        file: config.path,
      };
    }
    if (opts.output !== "table") {
      ctx.io.out.write(formatDocument(opts.output, json, ctx.io.out.isTerminal));
      return;
    }
    const rows: [string, string][] = [];
    if (name === undefined) {
      rows.push(["context", `none in effect`]);
      rows.push(["server", `${redactUrl(target.url)} (from ${target.urlSource})`]);
      if (target.protectedBy) {
        rows.push(["protected", `yes: the server of context ${target.protectedBy}`]);
      }
      if (target.current) {
        rows.push(["current", `${target.current} (not in effect: ${target.urlSource} wins)`]);
      }
    } else {
      const c = config.data.contexts[name];
      rows.push(["context", name]);
      rows.push(["server", redactUrl(c.server_url)]);
      if (c.telescope) rows.push(["telescope", c.telescope]);
      rows.push(["protected", c.protected ? "yes" : "no"]);
      rows.push(["current", name === config.data.currentContext ? "yes" : "no"]);
      rows.push([
        "in effect",
        inEffect
          ? `yes, from ${target.context!.source}`
          : `no (in effect: ${
            target.context ? `context ${target.context.name}` : redactUrl(target.url)
          }, from ${target.context?.source ?? target.urlSource})`,
      ]);
      if (c.auth_issuer || c.auth_client_id || c.auth_scope) {
        rows.push([
          "login",
          `${c.auth_issuer ?? "(no issuer)"}, client ${c.auth_client_id ?? "(none)"}, scope ${
            c.auth_scope ?? "(none)"
          }`,
        ]);
      }
      if (c.request_timeout) rows.push(["request timeout", c.request_timeout]);
    }
    rows.push(["file", `${config.path}${config.exists ? "" : " (none yet)"}`]);
    const width = Math.max(...rows.map(([k]) => k.length)) + 2;
    for (const [k, v] of rows) ctx.io.out.write(`${`${k}:`.padEnd(width)}${escapeInline(v)}\n`);
  },
});
