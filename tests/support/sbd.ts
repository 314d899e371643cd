/**
 * Scheduling Block definitions for simulator tests that need more than the
 * samples in sim/src/sbds/.
 */

/** The 7.x sample SB the simulator serves. */
export const SAMPLE_SBD = "sbd-t0001-20250403-00001";

/**
 * A directory for the simulator's `sbdDir` holding the sample SB plus
 * `gitact`, a git script in a repository that cannot be reached: running it
 * with `--create-env=True` empties a 7.x/8.x activity list for good (S2).
 * The caller removes the directory.
 */
export async function sbdDirWithGitActivity(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "oet-sbd-" });
  const base = JSON.parse(
    await Deno.readTextFile(new URL(`../../sim/src/sbds/${SAMPLE_SBD}.json`, import.meta.url)),
  );
  base.activities.gitact = {
    kind: "git",
    path: "git://scripts/allocate_from_file_sb.py",
    repo: "http://127.0.0.1:9/unreachable.git",
    branch: "master",
    commit: null,
    function_args: {
      init: { args: [], kwargs: { subarray_id: 1 } },
      main: { args: [], kwargs: {} },
    },
  };
  await Deno.writeTextFile(`${dir}/${SAMPLE_SBD}.json`, JSON.stringify(base));
  return dir;
}
