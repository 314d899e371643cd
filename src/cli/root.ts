/**
 * The command tree: the root only assembles what each command's own module
 * declares, adds the global options, and defines the commands that are
 * about the tree itself (`help`, `completion`).
 */

import { activityGroup } from "../commands/activity/activity.ts";
import { authGroup } from "../commands/auth/auth.ts";
import { contextGroup } from "../commands/context/context.ts";
import { procedureGroup } from "../commands/procedure/procedure.ts";
import {
  type AnyCommand,
  defineGroup,
  entryNamed,
  type GroupSpec,
  lazyCommand,
  loadEntry,
  namedCommand,
  switchOption,
  valueOption,
} from "../commands/framework/spec.ts";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SERVER_URL,
  EMPTY_IS_ERROR,
  EMPTY_MEANS_UNSET,
  ENV_DOCS,
} from "../config/config.ts";
import { formatDuration } from "../domain/duration.ts";
import { UsageError } from "../domain/errors.ts";
import { exitCodesHelp } from "./exit_codes.ts";
import { commandPath, type CommandTree, type Node } from "./parse.ts";
import { closest } from "./suggest.ts";

/** Width used when stdout is not a terminal (help.ts wraps to it). */
const PIPE_WIDTH = 80;

const text = (t: string) => t;

/** Options every command takes. */
const GLOBALS = {
  serverUrl: valueOption(
    "server-url",
    `OET REST API root (env OET_REST_URI, OET_URL; default ${DEFAULT_SERVER_URL})`,
    text,
    { valueName: "url" },
  ),
  context: valueOption(
    "context",
    "a saved context (server, login, protection) to use (env OET_CONTEXT)",
    text,
    { valueName: "name", complete: "context" },
  ),
  requestTimeout: valueOption(
    "request-timeout",
    `limit for each HTTP request (env OET_REQUEST_TIMEOUT; default ${
      formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)
    })`,
    text,
    { valueName: "duration" },
  ),
  help: switchOption("help", "show help for the command", "h"),
};

/** Options of `oet` itself. */
const ROOT_ONLY = {
  version: switchOption("version", "print the version", "V"),
};

/** Help topics that are not commands: `oet help exit-codes`. */
const TOPICS: Record<string, () => string> = {
  "exit-codes": exitCodesHelp,
  environment: () =>
    `Environment variables (a .env file in the current directory may set the OET_* ones; the real environment wins):\n${
      Object.entries(ENV_DOCS).map(([name, doc]) => `  ${name.padEnd(23)}${doc}`).join("\n")
    }\n\nSet but empty is not unset: ${
      EMPTY_IS_ERROR.join(", ")
    } are then an error (exit 2), and .env never fills a variable that is set, even empty. An empty OET_DEBUG is off; an empty ${
      EMPTY_MEANS_UNSET.join(" or ")
    } (a CI secret that is not set) counts as unset, with a note.\n`,
};

/** Help never runs wider than this, however wide the terminal: long lines are hard to read. */
export const MAX_HELP_WIDTH = 100;

/** The width help is wrapped to: the terminal's (at most 100 columns), else 80. */
export function helpWidth(columns: number | undefined): number {
  return columns ? Math.min(MAX_HELP_WIDTH, Math.max(20, columns)) : PIPE_WIDTH;
}

/** Finds the node a list of command words names; a usage error names the first unknown one. */
export async function resolvePath(tree: CommandTree, words: readonly string[]): Promise<Node[]> {
  const path: Node[] = [tree.root];
  for (const word of words) {
    const node = path.at(-1)!;
    const entry = node.kind === "group"
      ? node.commands.find((c) => entryNamed(c, word))
      : undefined;
    if (!entry) {
      const known = node.kind === "group" ? node.commands.map((c) => c.name) : [];
      const near = closest(word, [...known, ...(path.length === 1 ? Object.keys(TOPICS) : [])]);
      throw new UsageError(
        `unknown command ${JSON.stringify(word)} for ${JSON.stringify(commandPath(path))}${
          near ? `: did you mean ${near}?` : ""
        }`,
        {
          hint: `see: ${commandPath(path)} --help${
            path.length === 1 ? `; help topics: ${Object.keys(TOPICS).join(", ")}` : ""
          }`,
        },
      );
    }
    path.push(await loadEntry(entry));
  }
  return path;
}

/** The root's own help: the tree's, plus the exit codes and the option spelling rules. */
function rootExtra(): string {
  return `Options take --name=value or --name value; _ and - are alike (--run_abort = --run-abort). Boolean options take True or False (--listen=False), or bare --listen / --no-listen.

${exitCodesHelp()}
More: oet help environment, oet help exit-codes, oet <command> --help.
`;
}

/** Help text for a path, as `--help` and `oet help` print it (help.ts is loaded only for help). */
export async function helpFor(
  tree: CommandTree,
  path: readonly Node[],
  columns?: number,
): Promise<string> {
  const { helpText, wrap } = await import("./help.ts");
  const width = helpWidth(columns);
  const extra = path.length === 1 ? wrap(rootExtra(), width) + "\n" : "";
  return helpText(tree, path, width, extra);
}

/** Builds the whole command tree. */
export function buildTree(): CommandTree<typeof GLOBALS, typeof ROOT_ONLY> {
  const tree: { root: GroupSpec; globals: typeof GLOBALS; rootOnly: typeof ROOT_ONLY } = {
    root: undefined as unknown as GroupSpec,
    globals: GLOBALS,
    rootOnly: ROOT_ONLY,
  };

  const help: AnyCommand = namedCommand(
    "help",
    "Help about a command, or a topic (exit-codes, environment)",
    {
      args: [{ name: "command", variadic: true, help: "a command path, or a topic" }],
      options: {},
      examples: `oet help procedure start
oet help exit-codes
oet help environment`,
      async run(ctx, { args }) {
        const topic = args.length === 1 ? TOPICS[args[0]] : undefined;
        if (topic) {
          const { wrap } = await import("./help.ts");
          ctx.io.out.write(wrap(topic(), helpWidth(ctx.io.out.columns)) + "\n");
        } else {
          ctx.io.out.write(await helpFor(tree, await resolvePath(tree, args), ctx.io.out.columns));
        }
      },
    },
  );

  const completion: AnyCommand = namedCommand(
    "completion",
    "Print a shell completion script (bash, zsh, fish)",
    {
      args: [{ name: "shell", required: true, help: "bash, zsh or fish" }],
      options: {},
      examples: `# bash: now, or from ~/.bashrc
source <(oet completion bash)
# zsh
oet completion zsh > "\${fpath[1]}/_oet"
# fish
oet completion fish > ~/.config/fish/completions/oet.fish`,
      async run(ctx, { args }) {
        const { completionScript } = await import("./completion.ts");
        ctx.io.out.write(await completionScript(args[0], tree));
      },
    },
  );

  tree.root = defineGroup({
    name: "oet",
    summary: "Command-line client for the SKA Observation Execution Tool",
    description:
      "Command-line client for the SKA Observation Execution Tool (OET): load and run observing scripts (procedures), run activities of Scheduling Blocks, watch events.",
    examples: `# load a script and run it, waiting for its end
oet procedure create file:///scripts/observe.py --subarray_id=3
oet procedure start
# run an activity of a Scheduling Block (what CI calls)
oet activity run observe sbd-t0001-20250403-00001
# watch the procedure lifecycle
oet listen --topic procedure.lifecycle
# another server, JSON out
oet --server-url http://oet:5000/ska-oso-oet/oet/api/v7 procedure list -o json`,
    commands: [
      procedureGroup,
      activityGroup,
      authGroup,
      contextGroup,
      lazyCommand(
        "listen",
        "Show live events",
        async () => (await import("../commands/listen/listen.ts")).listenCommand,
      ),
      lazyCommand(
        "console",
        "The live OET in one screen: procedures, activities, messages, actions",
        async () => (await import("../commands/console/console.ts")).consoleCommand,
      ),
      lazyCommand(
        "status",
        "What the OET is doing: the server, the running procedure, recent work",
        async () => (await import("../commands/status/status.ts")).statusCommand,
      ),
      lazyCommand(
        "doctor",
        "Check configuration, network, TLS, API root, event stream and token, in order",
        async () => (await import("../commands/doctor/doctor.ts")).doctorCommand,
      ),
      lazyCommand(
        "version",
        "Print the version",
        async () => (await import("../commands/version/version.ts")).versionCommand,
      ),
      completion,
      help,
      lazyCommand(
        "__complete",
        "Ids for shell completion (used by the completion scripts)",
        async () => (await import("../commands/complete/complete.ts")).completeCommand,
        { hidden: true },
      ),
    ],
  });
  return tree;
}
