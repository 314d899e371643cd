/**
 * The command tree: names, arguments, options, help text and examples, as
 * the CLI reference doc presents them. Each action hands typed options to a
 * command function in `src/commands/`; nothing here talks to the server.
 */

import { Command, Option } from "@commander-js/extra-typings";
import { activityDescribeCommand } from "../commands/activity/describe.ts";
import { activityList } from "../commands/activity/list.ts";
import { activityRun } from "../commands/activity/run.ts";
import { activityWait } from "../commands/activity/wait.ts";
import type { Context } from "../commands/context.ts";
import { listen } from "../commands/listen.ts";
import { procedureCreate } from "../commands/procedure/create.ts";
import { procedureDescribeCommand } from "../commands/procedure/describe.ts";
import { procedureList } from "../commands/procedure/list.ts";
import { procedureStart } from "../commands/procedure/start.ts";
import { procedureStop } from "../commands/procedure/stop.ts";
import { procedureWait } from "../commands/procedure/wait.ts";
import { DEFAULT_SERVER_URL } from "../config/config.ts";
import type { OutputFormat } from "../render/output.ts";
import { EXIT_CODES_HELP } from "./exit_codes.ts";
import { type DurationValue, parseBool, parseDurationOption, parseId } from "./option_parsers.ts";

/** What the tree needs from the CLI runner. */
export interface ProgramHooks {
  /** Builds the context of a command that talks to the server. */
  context(): Context;
  /** Prints the version (`oet version`). */
  version(verbose: boolean): void;
  /** Prints a completion script (`oet completion <shell>`). */
  completion?(shell: string, program: Command): void;
  /** The version string for `--version`. */
  versionText: string;
}

const FORMATS: OutputFormat[] = ["table", "json", "jsonl", "id"];

const VALUE_RULES = `Script argument values:
  3, -2, 2.5, 1e3             a number
  True/true, False/false      a boolean
  None/null                   null
  '[1, 2]', '{"a": 1}'        a list / a dict (JSON or Python literal)
  "'007'", '"text"'           a string (quotes inside the shell quotes force one)
  anything else               the text as typed
  Positional words become args; --name=value or --name value become kwargs
  (--my-name is sent as my_name); a bare --flag is True; after -- every
  word is positional.`;

function outputOption(): Option<"-o, --output <format>", undefined, "table", OutputFormat> {
  return new Option("-o, --output <format>", "output format")
    .choices(FORMATS)
    .default("table" as OutputFormat);
}

/**
 * How long `start` and `activity run` wait for a procedure still being
 * prepared: the servers' CREATING race would otherwise hang them for ever.
 */
const DEFAULT_PREPARE_TIMEOUT_MS = 120_000;

function timeoutOption() {
  return new Option("--timeout <duration>", "give up waiting after this long (exit 124), e.g. 10m")
    .argParser(parseDurationOption);
}

function prepareTimeoutOption() {
  return new Option(
    "--prepare-timeout <duration>",
    "longest wait for the script to be prepared and start running (exit 1; default 120s)",
  ).argParser(parseDurationOption);
}

function examples(lines: string): string {
  return `\nExamples:\n${lines.split("\n").map((l) => `  ${l}`).join("\n")}\n`;
}

function boolOption(flags: string, description: string) {
  return new Option(flags, description).argParser(parseBool);
}

/** Builds the whole `oet` command tree. */
export function buildProgram(hooks: ProgramHooks): Command {
  const program = new Command("oet")
    .description(
      "Command-line client for the SKA Observation Execution Tool (OET): load and run observing scripts (procedures), run activities of Scheduling Blocks, watch events.",
    )
    .version(hooks.versionText, "-V, --version", "print the version")
    .addOption(
      new Option(
        "--server-url <url>",
        `OET REST API root (env OET_REST_URI, OET_URL; default ${DEFAULT_SERVER_URL})`,
      ),
    )
    .addOption(
      new Option(
        "--request-timeout <duration>",
        "limit for each HTTP request (env OET_REQUEST_TIMEOUT; default 35s)",
      ),
    )
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `${
        examples(`oet procedure create file:///scripts/observe.py --subarray_id=3
oet procedure start            # runs main() of the last one created, waits for the end
oet activity run observe sbd-t0001-20250403-00001 --script-args='{"init": {"kwargs": {"subarray_id": 1}}}'
oet listen --topic procedure.lifecycle
OET_REST_URI=http://host:5000/ska-oso-oet/oet/api/v7 oet procedure list -o json`)
      }
${EXIT_CODES_HELP}
`,
    );

  buildProcedureGroup(program, hooks);
  buildActivityGroup(program, hooks);

  program.command("listen")
    .summary("Show live events")
    .description("Show the events the OET and its scripts publish, live (Ctrl-C to stop)")
    .addOption(
      new Option(
        "--topic <pattern...>",
        "only these topics: exact names, prefixes (procedure.lifecycle) or globs (procedure.*)",
      ),
    )
    .addOption(new Option("--pid <id>", "only events about this procedure").argParser(parseId))
    .addOption(
      new Option("--aid <id>", "only events about this activity and its procedure").argParser(
        parseId,
      ),
    )
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["text", "jsonl"] as const)
        .default("text" as const),
    )
    .addHelpText(
      "after",
      examples(`oet listen
oet listen --topic procedure.lifecycle --topic script.announce
oet listen --pid 3 -o jsonl | jq .data`),
    )
    .action(async (o) => {
      await listen(hooks.context(), {
        topics: o.topic ?? [],
        pid: o.pid,
        aid: o.aid,
        output: o.output,
      });
    });

  program.command("version")
    .summary("Print the version")
    .description("Print the version (--verbose: also Deno, V8, TypeScript and the target)")
    .option("--verbose", "also print the runtime versions")
    .action((o) => hooks.version(o.verbose ?? false));

  if (hooks.completion) {
    const completion = hooks.completion;
    program.command("completion")
      .description("Print a shell completion script")
      .argument("<shell>", "bash, zsh or fish")
      .addHelpText(
        "after",
        examples(`source <(oet completion bash)        # bash, or put it in ~/.bashrc
oet completion zsh > "\${fpath[1]}/_oet"
oet completion fish > ~/.config/fish/completions/oet.fish`),
      )
      .action((shell) => completion(shell, program));
  }
  return program as unknown as Command;
}

function buildProcedureGroup(program: Command, hooks: ProgramHooks): void {
  const group = program.command("procedure")
    .description("Load, start, stop and inspect observing scripts (procedures)")
    .addHelpText(
      "after",
      examples(`oet procedure create file:///scripts/allocate.py --subarray_id=3
oet procedure list
oet procedure start --pid 2 'bob' --simulate=False
oet procedure describe --pid 2`),
    );

  group.command("create")
    .summary("Load a script on the server and prepare it")
    .description(
      "Load a script on the server and prepare it (its init() gets the extra args). The server keeps the 10 newest finished procedures; unfinished ones are never pruned.",
    )
    .argument("<script-uri>", "file:///path/on/server.py or git://path/in/repo.py")
    .argument(
      "[args...]",
      "positional args and --name=value kwargs for init() (subarray_id defaults to 1)",
    )
    .addOption(
      new Option(
        "--git-repo <url>",
        "git repository (also --git_repo; server default https://gitlab.com/ska-telescope/oso/ska-oso-scripting.git)",
      ),
    )
    .addOption(
      new Option("--git-branch <name>", "git branch (also --git_branch; server default master)"),
    )
    .addOption(
      new Option("--git-commit <hash>", "git commit, overrides the branch (also --git_commit)"),
    )
    .addOption(
      boolOption(
        "--create-env [bool]",
        "install the script project's dependencies in a new environment (also --create_env; default False)",
      ),
    )
    .addOption(new Option("--no-create-env").hideHelp())
    .addOption(outputOption())
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      "after",
      `${
        examples(`oet procedure create file:///scripts/test.py 'hello' --verbose=true
oet procedure create git://scripts/observe.py --git_repo=https://gitlab.com/me/scripts.git --git_branch=dev --create_env=True
pid=$(oet procedure create file:///scripts/observe.py --subarray_id=3 -o id)`)
      }\n${VALUE_RULES}\n`,
    )
    .action(async (scriptUri, words, o) => {
      await procedureCreate(hooks.context(), {
        scriptUri,
        words,
        gitRepo: o.gitRepo,
        gitBranch: o.gitBranch,
        gitCommit: o.gitCommit,
        createEnv: o.createEnv,
        output: o.output,
      });
    });

  group.command("list")
    .description("List procedures (ID, Script, Creation time, State), or one with --pid")
    .addOption(new Option("--pid <id>", "only this procedure").argParser(parseId))
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet procedure list
oet procedure list --pid=2
oet procedure list -o json | jq '.[] | select(.state == "READY") | .id'`),
    )
    .action(async (o) => {
      await procedureList(hooks.context(), { pid: o.pid, output: o.output });
    });

  group.command("start")
    .summary("Run a procedure's main() and follow it to its end")
    .description(
      "Run main() of a procedure (default: the last created) and follow it to its end. Waits (bounded) while it is still being prepared. Exit 0 if it COMPLETEs, 3 if it ends FAILED/STOPPED/UNKNOWN, 124 on --timeout; Ctrl-C detaches (it keeps running).",
    )
    .argument("[args...]", "positional args and --name=value kwargs for main()")
    .addOption(
      new Option("--pid <id>", "the procedure (default: the most recently created)").argParser(
        parseId,
      ),
    )
    .addOption(
      boolOption("--listen [bool]", "follow the procedure and print its events (default True)"),
    )
    .addOption(new Option("--no-listen", "return as soon as the server accepted the start"))
    .addOption(timeoutOption())
    .addOption(prepareTimeoutOption())
    .addOption(outputOption())
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      "after",
      `${
        examples(`oet procedure start
oet procedure start --pid=2 'bob' --simulate=False
oet procedure start --pid 2 --listen=False          # fire and forget
oet procedure start --pid 2 --timeout 30m -o jsonl   # events as JSON lines`)
      }\nA procedure prepared by an activity (oet activity run --prepare-only) gets that\nactivity's main() arguments (sb_json, sbi_id, ...) unless you give arguments.\n\n${VALUE_RULES}\n`,
    )
    .action(async (words, o) => {
      const timeout = o.timeout as DurationValue | undefined;
      await procedureStart(hooks.context(), {
        pid: o.pid,
        words,
        listen: o.listen ?? true,
        timeoutMs: timeout?.ms,
        timeoutText: timeout?.text,
        prepareTimeoutMs: (o.prepareTimeout as DurationValue | undefined)?.ms ??
          DEFAULT_PREPARE_TIMEOUT_MS,
        output: o.output,
      });
    });

  group.command("wait")
    .description("Follow a procedure (default: the last created) to its end; exit codes as start")
    .addOption(new Option("--pid <id>", "the procedure").argParser(parseId))
    .addOption(timeoutOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(
        `oet procedure start --pid 4 --listen=False && oet procedure wait --pid 4 --timeout 1h`,
      ),
    )
    .action(async (o) => {
      const timeout = o.timeout as DurationValue | undefined;
      await procedureWait(hooks.context(), {
        pid: o.pid,
        timeoutMs: timeout?.ms,
        timeoutText: timeout?.text,
        output: o.output,
      });
    });

  group.command("stop")
    .summary("Stop a running procedure")
    .description(
      "Stop a running procedure (default: the one that is RUNNING). With --run_abort=True (the default) the OET also runs its abort script on the subarray.",
    )
    .addOption(
      new Option("--pid <id>", "the procedure (default: the running one)").argParser(parseId),
    )
    .addOption(
      boolOption(
        "--run-abort [bool]",
        "also abort the subarray activity (also --run_abort; default True)",
      ),
    )
    .addOption(new Option("--no-run-abort").hideHelp())
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet procedure stop
oet procedure stop --pid=3 --run_abort=False`),
    )
    .action(async (o) => {
      await procedureStop(hooks.context(), {
        pid: o.pid,
        runAbort: o.runAbort ?? true,
        output: o.output,
      });
    });

  group.command("describe")
    .summary("Show a procedure's history, arguments, git origin and stack trace")
    .description(
      "Show a procedure (default: the last created): URI, state history, call arguments, git origin and, if it failed, the stack trace",
    )
    .addOption(new Option("--pid <id>", "the procedure").argParser(parseId))
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet procedure describe
oet procedure describe --pid=2 -o json`),
    )
    .action(async (o) => {
      await procedureDescribeCommand(hooks.context(), { pid: o.pid, output: o.output });
    });
}

function buildActivityGroup(program: Command, hooks: ProgramHooks): void {
  const group = program.command("activity")
    .description("Run activities of Scheduling Blocks and inspect them")
    .addHelpText(
      "after",
      examples(`oet activity run observe sbd-t0001-20250403-00001
oet activity list
oet activity describe --aid 1`),
    );

  group.command("run")
    .summary("Run an activity of an SB and follow it to its end")
    .description(
      "Run an activity of an SB: create its script's procedure and run it, following it to its end. Exit 0 if it COMPLETEs, 3 if it ends FAILED/STOPPED/UNKNOWN, 124 on --timeout; Ctrl-C detaches (it keeps running).",
    )
    .argument("<activity-name>", "the activity in the SB, e.g. allocate, observe")
    .argument("<sbd-id>", "the Scheduling Block Definition id")
    .addOption(
      new Option(
        "--script-args <json>",
        `arguments per function, on top of the SB's: '{"init": {"args": [...], "kwargs": {...}}, "main": {...}}'\n(JSON or Python literal; @path reads a file)`,
      ),
    )
    .addOption(
      boolOption(
        "--prepare-only [bool]",
        "only prepare the script; start it later with oet procedure start (default False)",
      ),
    )
    .addOption(new Option("--no-prepare-only").hideHelp())
    .addOption(
      boolOption(
        "--create-env [bool]",
        "create a new environment for a git script (default False)",
      ),
    )
    .addOption(new Option("--no-create-env").hideHelp())
    .addOption(
      boolOption(
        "--listen [bool]",
        "follow the activity's procedure and print its events (default True)",
      ),
    )
    .addOption(new Option("--no-listen", "return as soon as the server accepted the activity"))
    .addOption(timeoutOption())
    .addOption(prepareTimeoutOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `${
        examples(
          `oet activity run allocate sbd-123 --script-args='{"init": {"args": [1, "foo"], "kwargs": {"foo": "bar"}}}'
oet activity run observe sbd-123 --prepare-only=True && oet procedure start --pid <Procedure ID>
oet activity run observe sbd-123 --script-args=@args.json --timeout 2h
if oet activity run observe sbd-123; then echo observed; else echo "failed: $?"; fi`,
        )
      }
States: servers report every activity as TODO; oet shows the state of its procedure:
  REQUESTED (being prepared), PREPARED (READY, not started), RUNNING,
  COMPLETE, FAILED, STOPPED, UNKNOWN; the server's own state if the
  procedure is gone. -o json adds it as "derived_state".
`,
    )
    .action(async (activityName, sbdId, o) => {
      const timeout = o.timeout as DurationValue | undefined;
      await activityRun(hooks.context(), {
        activityName,
        sbdId,
        scriptArgs: o.scriptArgs,
        prepareOnly: o.prepareOnly ?? false,
        createEnv: o.createEnv ?? false,
        listen: o.listen ?? true,
        timeoutMs: timeout?.ms,
        timeoutText: timeout?.text,
        prepareTimeoutMs: (o.prepareTimeout as DurationValue | undefined)?.ms ??
          DEFAULT_PREPARE_TIMEOUT_MS,
        output: o.output,
      });
    });

  group.command("list")
    .description("List activities (ID, Activity, SB ID, Creation Time, Procedure ID, State)")
    .addOption(new Option("--aid <id>", "only this activity").argParser(parseId))
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet activity list
oet activity list --aid=1 -o json`),
    )
    .action(async (o) => {
      await activityList(hooks.context(), { aid: o.aid, output: o.output });
    });

  group.command("wait")
    .description("Follow an activity's procedure (default: the last activity) to its end")
    .addOption(new Option("--aid <id>", "the activity").argParser(parseId))
    .addOption(timeoutOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet activity run observe sbd-123 --listen=False && oet activity wait --timeout 2h`),
    )
    .action(async (o) => {
      const timeout = o.timeout as DurationValue | undefined;
      await activityWait(hooks.context(), {
        aid: o.aid,
        timeoutMs: timeout?.ms,
        timeoutText: timeout?.text,
        output: o.output,
      });
    });

  group.command("describe")
    .description(
      "Show an activity (default: the last): summary, URI, state history, script arguments",
    )
    .addOption(new Option("--aid <id>", "the activity").argParser(parseId))
    .addOption(outputOption())
    .addHelpText(
      "after",
      examples(`oet activity describe
oet activity describe --aid=1`),
    )
    .action(async (o) => {
      await activityDescribeCommand(hooks.context(), { aid: o.aid, output: o.output });
    });
}
