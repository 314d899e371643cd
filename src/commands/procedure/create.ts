/** `oet procedure create <script-uri> [args…] [--kwargs…]`. */

import { InterruptedError } from "../../domain/errors.ts";
import { buildCall } from "../framework/call_args.ts";
import { hint } from "../framework/feedback.ts";
import { kwargOption, outputOption } from "../framework/options.ts";
import { defineCommand, flagOption, valueOption } from "../framework/spec.ts";
import { VALUE_RULES } from "../framework/values.ts";
import { buildCreateRequest } from "../shared/create_request.ts";
import { writeProcedures } from "../shared/output/procedures.ts";
import { answerLost, isOutputLost } from "../framework/answer.ts";
import { guardTelescope, yesOption } from "../shared/target/guard.ts";
import { oetCommand } from "../shared/target/hint.ts";

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
