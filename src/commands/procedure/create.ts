/** `oet procedure create <script-uri> [args…] [--kwargs…]`. */

import type { CreateProcedureRequest } from "../../api/client.ts";
import { InterruptedError, UsageError } from "../../domain/errors.ts";
import type { OutputFormat } from "../../render/output.ts";
import { splitCallArgs } from "../call_args.ts";
import type { Context } from "../context.ts";
import { hint, warn } from "../feedback.ts";
import { writeProcedures } from "./output.ts";

/** Options of `procedure create`. */
export interface ProcedureCreateOptions {
  scriptUri: string;
  /** Positional args and unknown `--key=value` words for the script's init. */
  words: string[];
  gitRepo?: string;
  gitBranch?: string;
  gitCommit?: string;
  createEnv?: boolean;
  output: OutputFormat;
}

/** The options `create` knows itself, for typo warnings about kwargs. */
export const CREATE_OPTION_NAMES = [
  "git-repo",
  "git-branch",
  "git-commit",
  "create-env",
  "server-url",
  "request-timeout",
  "output",
] as const;

/** Builds the create request from the command line, or throws a UsageError. */
export function buildCreateRequest(o: ProcedureCreateOptions): {
  request: CreateProcedureRequest;
  warnings: string[];
} {
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
    o.createEnv !== undefined && "--create-env",
  ].filter(Boolean);
  if (!isGit && gitGiven.length) {
    throw new UsageError(
      `${gitGiven.join(", ")} ${
        gitGiven.length > 1 ? "apply" : "applies"
      } only to git:// scripts, not to ${uri}`,
    );
  }
  const { call, warnings } = splitCallArgs(o.words, CREATE_OPTION_NAMES);
  // The reference client always sent subarray_id (default 1); the server's
  // abort path needs it (contract §4.3).
  if (!("subarray_id" in call.kwargs)) call.kwargs = { subarray_id: 1, ...call.kwargs };
  const request: CreateProcedureRequest = {
    scriptUri: uri,
    scriptType: isGit ? "git" : "filesystem",
    init: call,
  };
  if (isGit) {
    request.git = {};
    if (o.gitRepo !== undefined) request.git.repo = o.gitRepo;
    if (o.gitBranch !== undefined) request.git.branch = o.gitBranch;
    if (o.gitCommit !== undefined) request.git.commit = o.gitCommit;
    request.createEnv = o.createEnv ?? false;
  }
  return { request, warnings };
}

/** Asks the server to load a script, and prints the new procedure. */
export async function procedureCreate(ctx: Context, o: ProcedureCreateOptions): Promise<void> {
  const { request, warnings } = buildCreateRequest(o);
  for (const w of warnings) warn(ctx.io, w);
  let procedure;
  try {
    procedure = await ctx.client().createProcedure(request);
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    throw new InterruptedError(
      err.signal,
      "interrupted while the create request was on its way: the server may have created the procedure",
      { hint: "check with: oet procedure list" },
    );
  }
  await writeProcedures(ctx.io, [procedure], o.output, true);
  if (o.output === "table" && ctx.io.err.isTerminal) {
    hint(ctx.io, `start it with: oet procedure start --pid ${procedure.id}`);
  }
}
