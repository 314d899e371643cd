/**
 * The form of oet that `deno compile` builds from (scripts/build.ts), that
 * the benchmark times and that the start-up module test checks: oet's own
 * modules bundled by `deno bundle` (esbuild) into code-split ES modules.
 *
 * - Code-split: every `await import("./x.ts")` of the source stays a dynamic
 *   import of its own chunk, so a command's code, help's and completion's
 *   load only where they always did (group help still loads no command).
 * - npm packages stay packages (`--external` for every `npm:` import of
 *   deno.json): the bundle imports them by name and Deno loads them as
 *   before, only where a chunk imports them (string-width for a wide cell,
 *   eventsource-parser for the event stream, and any library only one
 *   command needs).
 * - Node built-ins are never bundled (`--platform deno`): an import of one
 *   stays an import, for the start-up module test to see.
 *
 * Why: `deno run` of the source loads about 35 TypeScript modules for
 * `procedure list` and, before running anything, reads all 96 that a
 * literal dynamic import can reach; the bundle loads about 20 chunks
 * (docs/benchmarks.md). Run it with `RUN_FLAGS` (scripts/permissions.ts) so
 * that `deno run` reads a chunk only when it is imported, as the binary does.
 *
 * ```sh
 * deno run -A scripts/bundle.ts --out-dir dist/bundle   # dist/bundle/main.js and its chunks
 * ```
 */

import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("../", import.meta.url).pathname;

/** The import-map names of deno.json's npm packages: external to the bundle. */
export function npmExternals(imports: Record<string, string> = denoJson.imports): string[] {
  return Object.entries(imports).filter(([, target]) => target.startsWith("npm:"))
    .map(([name]) => name).sort();
}

/** The `deno bundle` arguments, into `outDir`. */
export function bundleArgs(outDir: string): string[] {
  return [
    "bundle",
    "--quiet",
    "--code-splitting",
    "--format",
    "esm",
    "--platform",
    "deno",
    ...npmExternals().flatMap((name) => ["--external", name]),
    "--outdir",
    outDir,
    `${ROOT}main.ts`,
  ];
}

/**
 * Bundles main.ts into `outDir` (inside the project, so that deno.json's
 * import map resolves the external packages); resolves to its `main.js`.
 * The entry keeps main.ts's `import.meta.main` start: run directly it is
 * oet; imported (the release entry of scripts/build.ts) it only exports
 * `main`.
 */
export async function bundleOet(outDir: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: bundleArgs(outDir),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`deno bundle failed: ${text.split("\n").slice(-5).join("\n")}`);
  }
  return `${outDir.replace(/\/+$/, "")}/main.js`;
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--out-dir");
  const outDir = i >= 0 ? Deno.args[i + 1] : `${ROOT}dist/bundle`;
  if (!outDir) throw new Error("usage: deno run -A scripts/bundle.ts [--out-dir DIR]");
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  Deno.stdout.writeSync(new TextEncoder().encode(`${await bundleOet(outDir)}\n`));
}
