/**
 * `--before REV`: an earlier version of oet, checked out from this
 * repository's history into a temporary git worktree, so that the start-up
 * and round-trip cases time it side by side with today's in the same
 * rounds (before/after figures that the machine's drift cannot skew).
 */

const ROOT = new URL("../../", import.meta.url).pathname;

async function git(args: string[], cwd = ROOT): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/** An earlier checkout: what to run, and which commit it is. */
export interface Before {
  /** The checkout's root (a temporary worktree). */
  root: string;
  /** The short commit id, for the tables. */
  commit: string;
  /** What its build compiled: its bundle when it had scripts/bundle.ts, else its main.ts. */
  entry: string;
  /** The `deno run` flags that form runs with (its own scripts/permissions.ts). */
  flags: readonly string[];
  /** How the tables describe that form. */
  form: string;
}

/**
 * The form `root`'s build compiled, made by its own scripts: its bundle
 * (scripts/bundle.ts, run with its PERMISSION_FLAGS and RUN_FLAGS) from
 * issue 18 on, main.ts with its PERMISSION_FLAGS before.
 */
async function builtForm(root: string): Promise<Pick<Before, "entry" | "flags" | "form">> {
  const permissions = await import(`${root}/scripts/permissions.ts`);
  const bundler = await Deno.stat(`${root}/scripts/bundle.ts`).then(() => true, () => false);
  if (!bundler) {
    return { entry: `${root}/main.ts`, flags: permissions.PERMISSION_FLAGS, form: "main.ts" };
  }
  const { bundleOet } = await import(`${root}/scripts/bundle.ts`);
  return {
    entry: await bundleOet(`${root}/dist/bundle`),
    flags: [...permissions.PERMISSION_FLAGS, ...(permissions.RUN_FLAGS ?? [])],
    form: "its bundle (scripts/bundle.ts)",
  };
}

/** Checks `rev` out into a temporary worktree, runs `fn`, and removes the worktree. */
export async function withBefore<T>(
  rev: string | undefined,
  fn: (before: Before | undefined) => Promise<T>,
): Promise<T> {
  if (!rev) return await fn(undefined);
  const commit = await git(["rev-parse", "--short=7", `${rev}^{commit}`]);
  const root = await Deno.makeTempDir({ prefix: `oet-before-${commit}-` });
  await git(["worktree", "add", "--detach", "--force", root, commit]);
  try {
    // Its own lock and npm packages (from the shared cache; no network when cached).
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["install", "--frozen"],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!install.success) {
      throw new Error(
        `--before ${rev}: deno install failed in the worktree: ${
          new TextDecoder().decode(install.stderr).trim()
        }`,
      );
    }
    return await fn({ root, commit, ...await builtForm(root) });
  } finally {
    await git(["worktree", "remove", "--force", root]).catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}
