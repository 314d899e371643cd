/** The `oet context` group: named deployments, one of them current. */

import { defineGroup, lazyCommand } from "../framework/spec.ts";

/** `oet context …`. */
export const contextGroup = defineGroup({
  name: "context",
  summary:
    "Name your OET deployments (server, telescope, login, protection) and switch between them",
  description:
    "A context names one OET deployment: its server URL, a telescope label, whether it is protected, its login (issuer, client id, scope) and request timeout. They live in $OET_CONFIG, else $XDG_CONFIG_HOME/oet/config.toml, else ~/.config/oet/config.toml (rewritten whole by these commands; comments are not kept). Which server a command uses, highest first: --server-url, --context, OET_REST_URI/OET_URL, OET_CONTEXT, .env's OET_REST_URI/OET_URL, .env's OET_CONTEXT, the current context, the default. A context applies whole or not at all.",
  examples:
    `oet context add mid-itf --server-url https://mid-itf.example/ska-oso-oet/oet/api/v7 --telescope SKA-Mid
oet context add mid-prod --server-url https://mid.example/ska-oso-oet/oet/api/v7 --telescope SKA-Mid --protected
oet context use mid-itf
oet context list
oet --context mid-prod procedure list`,
  commands: [
    lazyCommand(
      "add",
      "Add a context (an existing name is an error: change it with set)",
      async () => (await import("./add.ts")).contextAddCommand,
    ),
    lazyCommand(
      "set",
      "Change a context's settings (lifting a protection asks for its name)",
      async () => (await import("./set.ts")).contextSetCommand,
    ),
    lazyCommand(
      "list",
      "List the contexts, the current one marked",
      async () => (await import("./list.ts")).contextListCommand,
    ),
    lazyCommand(
      "use",
      "Make a context the current one",
      async () => (await import("./use.ts")).contextUseCommand,
    ),
    lazyCommand(
      "show",
      "Show a context (by default the one in effect) and why it is in effect",
      async () => (await import("./show.ts")).contextShowCommand,
    ),
    lazyCommand(
      "remove",
      "Remove a context (a protected one asks for its name)",
      async () => (await import("./remove.ts")).contextRemoveCommand,
    ),
    lazyCommand(
      "rename",
      "Rename a context",
      async () => (await import("./rename.ts")).contextRenameCommand,
    ),
  ],
});
