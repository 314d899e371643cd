/** `oet version [--verbose]`. */

import type { About } from "../framework/command_context.ts";
import { defineCommand, switchOption } from "../framework/spec.ts";

/**
 * The one version line every form prints (`oet --version`, `oet version`):
 * `oet 0.1.0 (commit 5844c47, built 2026-11-29; deno 2.9.6)`.
 */
export function versionLine(a: Pick<About, "version" | "commit" | "date" | "deno">): string {
  const build = a.commit === "dev" || !a.commit
    ? "development build"
    : `commit ${a.commit}${a.date ? `, built ${a.date}` : ""}`;
  return `oet ${a.version} (${build}; deno ${a.deno})`;
}

/** Prints the version line (and, with --verbose, the runtime's versions). */
export const versionCommand = defineCommand({
  description:
    "Print the version, the commit and date of the build, and the Deno version (--verbose: also V8, TypeScript and the target).",
  options: {
    verbose: switchOption("verbose", "also print the runtime's versions and the target"),
  },
  examples: `oet version
oet version --verbose`,
  run(ctx, { opts }) {
    const a = ctx.about;
    ctx.io.out.write(`${versionLine(a)}\n`);
    if (opts.verbose) {
      ctx.io.out.write(`v8 ${a.v8}\ntypescript ${a.typescript}\ntarget ${a.target}\n`);
    }
    return Promise.resolve();
  },
});
