/** `oet context add NAME --server-url URL [settings…] [--from-env]`. */

import { UsageError } from "../../domain/errors.ts";
import { hint } from "../framework/feedback.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";
import {
  applySettings,
  checkName,
  fromEnvironment,
  givenSettings,
  settingOptions,
} from "./settings.ts";

/** Adds a context; an existing name is exit 2. */
export const contextAddCommand = defineCommand({
  description:
    "Add a context: --server-url (required, unless --from-env) and --request-timeout give its server and request timeout. It reads nothing from the environment unless --from-env is given: then the server comes from OET_REST_URI (else OET_URL) and the login from OET_AUTH_ISSUER, OET_AUTH_CLIENT_ID and OET_AUTH_SCOPE of the real environment (not .env); options given too win. The first context added becomes the current one.",
  args: [{ name: "name", required: true, help: "letters, digits, '.', '_', '-'" }],
  options: {
    ...settingOptions(),
    fromEnv: switchOption("from-env", "take the server and login from the environment"),
  },
  examples:
    `oet context add low-itf --server-url http://low-itf:5000/ska-oso-oet/oet/api/v6 --telescope SKA-Low
oet context add mid-prod --server-url https://mid.example/ska-oso-oet/oet/api/v7 --telescope SKA-Mid --protected \\
  --auth-issuer https://login.microsoftonline.com/<tenant>/v2.0 --auth-client-id <id> \\
  --auth-scope 'api://<oet app>/.default offline_access'
OET_REST_URI=http://oet:5000/api/v1.0 oet context add here --from-env`,
  async run(ctx, { args, opts }) {
    const name = checkName(args[0]);
    const config = await ctx.config.load();
    if (config.data.contexts[name]) {
      throw new UsageError(`context ${name} already exists in ${config.path}`, {
        hint: `change it with: oet context set ${name} …, or remove it first`,
      });
    }
    const base = opts.fromEnv
      ? applySettings({}, fromEnvironment(ctx.settings.env, ctx.settings.fromDotEnv))
      : {};
    const settings = applySettings(base, givenSettings(opts, ctx.settings));
    if (settings.server_url === undefined) {
      throw new UsageError(`context ${name} needs --server-url URL (or --from-env)`);
    }
    const first = Object.keys(config.data.contexts).length === 0 &&
      config.data.currentContext === undefined;
    const data = {
      currentContext: first ? name : config.data.currentContext,
      contexts: {
        ...config.data.contexts,
        [name]: { ...settings, server_url: settings.server_url },
      },
    };
    await ctx.config.save(config, data);
    ctx.io.err.write(`added context ${name} (${settings.server_url}) to ${config.path}\n`);
    if (first) ctx.io.err.write(`${name} is now the current context\n`);
    else hint(ctx.io, `use it with: oet context use ${name}, or --context ${name}`);
  },
});
