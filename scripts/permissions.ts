/**
 * The permissions the `oet` binary gets — one list for `deno compile`, the
 * `deno install` of docs/install.md, and every end-to-end test (which runs `main.ts`
 * through `deno run` with exactly these flags, so a missing permission fails
 * a test here instead of a user's binary).
 *
 * - `--allow-net`: the server is run-time configuration, so it cannot be
 *   narrowed at build time.
 * - `--allow-env=<ENV_VARS> --ignore-env`: exactly the variables oet reads
 *   (src/config/config.ts); any other read by a library returns undefined
 *   instead of failing. CA variables (DENO_CERT, NODE_EXTRA_CA_CERTS,
 *   DENO_TLS_CA_STORE) are read by the runtime itself and need no permission;
 *   the proxy variables are too, but they are also listed because
 *   `oet doctor` reads them to report the proxy in effect.
 * - `--allow-read`: `.env` in the current directory, `--script-args=@file`
 *   paths and `OET_TOKEN_FILE`, wherever the user keeps them, and the login
 *   cache.
 * - `--allow-write`: the login cache of `oet auth login`, under
 *   `$XDG_CONFIG_HOME/oet` or `~/.config/oet`. Deno's permission paths are
 *   fixed when the binary is compiled and take neither `~` nor variables
 *   (measured with Deno 2.9.6: `--allow-write=~/.config/oet` is a path
 *   relative to the current directory), so no narrower grant works for
 *   every user; the code writes only there (src/auth/cache.ts).
 * - `--no-prompt`: never ask; a missing permission is an error.
 * - `--v8-flags=--max-semi-space-size=2,--min-semi-space-size=2`: not a permission, but a setting the
 *   binary must carry too. It caps V8's young generation (in MiB), which
 *   otherwise grows under `oet listen`'s allocation rate: peak RSS stays flat
 *   (about 64 → 68 MB from 50,000 to 500,000 events, against 71 → 85 MB without it),
 *   at the same throughput (docs/benchmarks.md). `--min-semi-space-size=2`
 *   starts it at that size instead of 1 MiB, which `procedure list` outgrows
 *   once, near its end: one scavenge of about 1 ms on a 30 ms run, gone
 *   (measured with Deno 2.9.6, `--trace-gc`; peak RSS no higher).
 */

import { ENV_VARS } from "../src/config/config.ts";

/** The permission flags of the binary, in `deno run`/`deno compile` form. */
export const PERMISSION_FLAGS: readonly string[] = [
  "--no-prompt",
  "--allow-net",
  `--allow-env=${ENV_VARS.join(",")}`,
  "--ignore-env",
  "--allow-read",
  "--allow-write",
  "--v8-flags=--max-semi-space-size=2,--min-semi-space-size=2",
];

/**
 * Flags for `deno run` of oet (the `oet` task, the `deno install` shim of the
 * README and docs/install.md, the benchmark, the start-up module test), never
 * for `deno compile`.
 *
 * `--unstable-lazy-dynamic-imports`: without it, `deno run` reads every
 * module a literal `import("…")` can reach before running anything (96
 * modules for any command, about 6 ms), although a command loads only its
 * own; with it, a module is read when it is imported, as in the compiled
 * binary. Only on the command line: set in deno.json (`"unstable"`), it
 * also reaches `deno compile`, which then leaves every dynamically imported
 * module out of the binary (measured with Deno 2.9.6: no command module
 * was in it).
 */
export const RUN_FLAGS: readonly string[] = ["--unstable-lazy-dynamic-imports"];

/**
 * The flags of `deno test` for this project's suite (not the binary's): the
 * tests start servers and processes and write temporary files, and run with
 * the sanitizers on.
 */
export const TEST_FLAGS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--sanitize-ops",
  "--sanitize-resources",
];
