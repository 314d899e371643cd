/** The `oet auth` group: tokens for OET deployments behind SKA's AAA. */

import { defineGroup, lazyCommand } from "../framework/spec.ts";

/** `oet auth …`. */
export const authGroup = defineGroup({
  name: "auth",
  summary: "Log in to an OET behind SKA's AAA, and see or print the token",
  description:
    "Access tokens for OET deployments behind SKA's AAA (Entra ID). oet sends one as Authorization: Bearer from, in order: OET_TOKEN, the file OET_TOKEN_FILE names (read before each request), or the login oet auth login keeps (renewed silently).",
  examples: `# an operator at a terminal
export OET_AUTH_ISSUER=https://login.microsoftonline.com/<tenant>/v2.0
export OET_AUTH_CLIENT_ID=<public client id> OET_AUTH_SCOPE='api://<oet app>/.default offline_access'
oet auth login
oet auth status
# a CI job
export OET_TOKEN=$(az account get-access-token --scope api://<oet app>/.default --query accessToken -o tsv)`,
  commands: [
    lazyCommand(
      "login",
      "Log in with a device code (a browser on any device), and keep the login",
      async () => (await import("./login.ts")).authLoginCommand,
    ),
    lazyCommand(
      "status",
      "Show who the token says you are, its roles, scopes and expiry (never the token)",
      async () => (await import("./status.ts")).authStatusCommand,
    ),
    lazyCommand(
      "logout",
      "Forget the kept login (and say what was removed)",
      async () => (await import("./logout.ts")).authLogoutCommand,
    ),
    lazyCommand(
      "token",
      "Print a valid access token, for other tools (the only command that prints one)",
      async () => (await import("./token.ts")).authTokenCommand,
    ),
  ],
});
