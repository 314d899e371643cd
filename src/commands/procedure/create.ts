/** `oet procedure create <script-uri> [args…] [--kwargs…]`. */

import type { CreateProcedureRequest } from "../../api/client.ts";
import { InterruptedError, UsageError } from "../../domain/errors.ts";
import type { FunctionArgs } from "../../domain/types.ts";
import { buildCall } from "../framework/call_args.ts";
import { hint } from "../framework/feedback.ts";
import { kwargOption, outputOption } from "../framework/options.ts";
import { defineCommand, flagOption, valueOption } from "../framework/spec.ts";
import { VALUE_RULES } from "../framework/values.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { answerLost, isOutputLost } from "../framework/answer.ts";
import { guardTelescope, yesOption } from "../shared/target/guard.ts";
import { oetCommand } from "../shared/target/hint.ts";

/** What the command line asked for, before anything is sent. */
export interface CreateInput {
  scriptUri: string;
  init: FunctionArgs;
  gitRepo?: string;
  gitBranch?: string;
  gitCommit?: string;
  createEnv: boolean;
}

/** Builds the create request from the command line, or throws a UsageError. */
export function buildCreateRequest(o: CreateInput): CreateProcedureRequest {
  const uri = o.scriptUri;
  const isGit = uri.startsWith("git://");
  if (!isGit && !uri.startsWith("file://")) {
    throw new UsageError(
      `script URI ${
        JSON.stringify(uri)
      } must start with file:// (a script on the server) or git:// (a script in a git repository)`,
      { hint: "for example: oet procedure create file:///scripts/observe.py" },
    );
  }
  const gitGiven = [
    o.gitRepo !== undefined && "--git-repo",
    o.gitBranch !== undefined && "--git-branch",
    o.gitCommit !== undefined && "--git-commit",
    o.createEnv && "--create-env",
  ].filter(Boolean);
  if (!isGit && gitGiven.length) {
    throw new UsageError(
      `${gitGiven.join(", ")} ${
        gitGiven.length > 1 ? "apply" : "applies"
      } only to git:// scripts, not to ${uri}`,
    );
  }
  const init = { args: o.init.args, kwargs: { ...o.init.kwargs } };
  // The reference client always sent subarray_id (default 1); the server's
  // abort path needs it (docs/servers.md, "Stopping").
  if (!("subarray_id" in init.kwargs)) init.kwargs = { subarray_id: 1, ...init.kwargs };
  const request: CreateProcedureRequest = {
    scriptUri: uri,
    scriptType: isGit ? "git" : "filesystem",
    init,
  };
  if (isGit) {
    request.git = {};
    if (o.gitRepo !== undefined) request.git.repo = o.gitRepo;
    if (o.gitBranch !== undefined) request.git.branch = o.gitBranch;
    if (o.gitCommit !== undefined) request.git.commit = o.gitCommit;
    request.createEnv = o.createEnv;
  }
  return request;
}

const text = (t: string) => t;

/** Asks the server to load a script, and prints the new procedure. */
export const procedureCreateCommand = defineCommand({
  description:
    "Load a script on the server and prepare it: its init() gets the extra arguments (subarray_id defaults to 1). The server keeps the 10 newest finished procedures; unfinished ones are never pruned.",
  usesServer: true,
  args: [
    {
      name: "script-uri",
      required: true,
      help: "file:///path/on/the/server.py or git://path/in/the/repository.py",
    },
    {
      name: "args",
      variadic: true,
      help: "positional arguments for init(); --name=value words are its keyword arguments",
    },
  ],
  scriptKeywords: true,
  options: {
    gitRepo: valueOption(
      "git-repo",
      "git repository (also --git_repo; default: the server's, ska-oso-scripting on gitlab.com)",
      text,
      { valueName: "url" },
    ),
    gitBranch: valueOption(
      "git-branch",
      "git branch (also --git_branch; server default master)",
      text,
      { valueName: "name" },
    ),
    gitCommit: valueOption(
      "git-commit",
      "git commit, overrides the branch (also --git_commit; default None: the branch's head)",
      text,
      { valueName: "hash", nullable: true },
    ),
    createEnv: flagOption(
      "create-env",
      "install the script project's dependencies in a new environment (also --create_env; default False)",
      false,
    ),
    kwarg: kwargOption("init"),
    output: outputOption(),
    yes: yesOption(),
  },
  examples: `# load a script that is on the server, with init('hello', verbose=True)
oet procedure create file:///scripts/test.py 'hello' --verbose=true
# load a script from git, in its own environment
oet procedure create git://scripts/observe.py --git_repo=https://gitlab.com/me/scripts.git --git_branch=dev --create_env=True
# keep the new id for later
pid=$(oet procedure create file:///scripts/observe.py --subarray_id=3 -o id)
# a keyword argument named like an oet option
oet procedure create file:///scripts/poll.py --kwarg timeout=30`,
  notes: VALUE_RULES,
  async run(ctx, { opts, args, keywords }) {
    const request = buildCreateRequest({
      scriptUri: args[0],
      init: buildCall(args.slice(1), keywords, opts.kwarg),
      gitRepo: opts.gitRepo,
      gitBranch: opts.gitBranch,
      gitCommit: opts.gitCommit,
      createEnv: opts.createEnv,
    });
    await guardTelescope(ctx, "procedure create", opts.yes);
    let procedure;
    try {
      procedure = await ctx.client().createProcedure(request);
    } catch (err) {
      if (!(err instanceof InterruptedError)) throw err;
      throw new InterruptedError(
        err.signal,
        "interrupted while the create request was on its way: the server may have created the procedure",
        { hint: `check with: ${oetCommand(ctx, "procedure list")}` },
      );
    }
    try {
      await writeProcedures(ctx.io, [procedure], opts.output, true);
    } catch (err) {
      if (!isOutputLost(err)) throw err;
      throw answerLost(
        err,
        `procedure ${procedure.id} was created`,
        `see it with: ${oetCommand(ctx, `procedure describe --pid ${procedure.id}`)}`,
      );
    }
    if (opts.output === "table" && ctx.io.err.isTerminal) {
      hint(ctx.io, `start it with: ${oetCommand(ctx, `procedure start --pid ${procedure.id}`)}`);
    }
  },
});
