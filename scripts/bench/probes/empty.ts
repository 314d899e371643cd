// The start-up floor: an empty script, run with exactly oet's `deno run` flags.
