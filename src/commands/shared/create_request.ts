/**
 * The create request `oet procedure create` sends, and `oet console`'s
 * create dialog too: the same checks of the script URI and its options.
 */

import type { CreateProcedureRequest } from "../../api/client.ts";
import { UsageError } from "../../domain/errors.ts";
import type { FunctionArgs } from "../../domain/types.ts";

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
