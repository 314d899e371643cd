// deno-lint-ignore-file no-console -- a build script reports its progress and errors on the console
/**
 * Builds the `oet` executables with `deno compile`.
 *
 * ```sh
 * deno task compile                  # dist/oet for this machine
 * deno task build -- --all           # dist/oet-<version>-<target>[.exe] + .sha256, five targets
 * deno run -A scripts/build.ts --out-dir /tmp/x   # dist/ elsewhere (the compiled-binary test)
 * ```
 *
 * `deno compile` builds on denort, the Deno runtime without the CLI, which it
 * takes from `$DENORT_BIN` or from `$DENO_DIR/dl/release/v<deno>/denort-<target>.zip`
 * and otherwise downloads from dl.deno.land. Where that host is unreachable the
 * download ends in a Rust DNS error dump, so this script looks first, the way
 * deno does, and fails with one sentence saying what is missing and how to
 * provide it. With `--download`, deno may download what is missing.
 *
 * Compile flags: exactly `PERMISSION_FLAGS` (scripts/permissions.ts, the list
 * the e2e tests run under) and `--exclude-unused-npm`. Never `--cert` (the CA
 * stays the user's run-time choice: DENO_CERT, NODE_EXTRA_CA_CERTS,
 * DENO_TLS_CA_STORE) and never `--env-file` (it would bake the build
 * machine's settings into the binary; `.env` is read at run time).
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import denoJson from "../deno.json" with { type: "json" };
import { PERMISSION_FLAGS } from "./permissions.ts";

/** The release targets of `--all`. */
export const TARGETS: readonly string[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

/** Where released runtimes are published, for the error message. */
const DL_URL = `https://dl.deno.land/release/v${Deno.version.deno}/`;

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** The file name deno looks for in its cache for a target. */
export function denortZipName(target: string): string {
  return `denort-${target}.zip`;
}

/** `$DENO_DIR/dl/release/v<deno>/`, where deno caches denort (from `deno info --json`). */
export async function denortCacheDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info --json failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  const { denoDir } = JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir: string };
  return `${denoDir.replace(/\/+$/, "")}/dl/release/v${Deno.version.deno}/`;
}

/**
 * The Deno target an executable was built for, from its header (ELF, Mach-O
 * or PE), or undefined. DENORT_BIN replaces the runtime of every target, so
 * it must only be used for the target it really is.
 */
export function executableTarget(head: Uint8Array): string | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length >= 20 && view.getUint32(0) === 0x7f454c46) {
    const machine = view.getUint16(18, true);
    if (machine === 0x3e) return "x86_64-unknown-linux-gnu";
    if (machine === 0xb7) return "aarch64-unknown-linux-gnu";
    return undefined;
  }
  if (head.length >= 8 && view.getUint32(0, true) === 0xfeedfacf) {
    const cpu = view.getUint32(4, true);
    if (cpu === 0x01000007) return "x86_64-apple-darwin";
    if (cpu === 0x0100000c) return "aarch64-apple-darwin";
    return undefined;
  }
  if (head.length >= 0x40 && head[0] === 0x4d && head[1] === 0x5a) {
    const pe = view.getUint32(0x3c, true);
    if (pe + 6 > head.length || view.getUint32(pe) !== 0x50450000) return undefined;
    const machine = view.getUint16(pe + 4, true);
    if (machine === 0x8664) return "x86_64-pc-windows-msvc";
    if (machine === 0xaa64) return "aarch64-pc-windows-msvc";
  }
  return undefined;
}

async function readHead(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const buf = new Uint8Array(4096);
  const n = await file.read(buf);
  return buf.subarray(0, n ?? 0);
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** What DENORT_BIN holds, checked before deno is allowed to use it. */
export type DenortBin =
  | { kind: "unset" }
  | { kind: "runtime"; path: string; target: string }
  | { kind: "bad"; path: string; why: string };

/**
 * Checks `$DENORT_BIN`: it must exist, be an executable for a Deno target, and
 * (when it runs here) not be the full deno CLI, whose `--version` starts with
 * `deno ` — compiling on it gives a binary that is just deno.
 */
export async function checkDenortBin(path: string | undefined): Promise<DenortBin> {
  if (!path) return { kind: "unset" };
  if (!(await exists(path))) return { kind: "bad", path, why: "does not exist" };
  const target = executableTarget(await readHead(path));
  if (!target) return { kind: "bad", path, why: "is not an executable of any Deno target" };
  if (target === Deno.build.target) {
    let version = "";
    try {
      const out = await new Deno.Command(path, {
        args: ["--version"],
        stdout: "piped",
        stderr: "null",
        stdin: "null",
        signal: AbortSignal.timeout(10_000),
      }).output();
      version = new TextDecoder().decode(out.stdout);
    } catch {
      // A runtime that cannot start here is judged by its header alone.
    }
    if (version.startsWith("deno ")) {
      return { kind: "bad", path, why: "is the full deno CLI, not denort" };
    }
  }
  return { kind: "runtime", path, target };
}

/** Where the runtime for one target comes from, or undefined when nowhere. */
export type DenortSource = { from: "DENORT_BIN"; path: string } | { from: "cache"; path: string };

/** Finds denort for a target the way deno does: DENORT_BIN, then the cached zip. */
export async function findDenort(
  target: string,
  bin: DenortBin,
  cacheDir: string,
): Promise<DenortSource | undefined> {
  if (bin.kind === "runtime" && bin.target === target) {
    return { from: "DENORT_BIN", path: bin.path };
  }
  const zip = cacheDir + denortZipName(target);
  return (await exists(zip)) ? { from: "cache", path: zip } : undefined;
}

/** The one sentence for targets without a runtime: what is missing and the two ways to fix it. */
export function missingDenortMessage(missing: string[], bin: DenortBin, cacheDir: string): string {
  const zips = missing.map(denortZipName);
  const binNote = bin.kind === "unset"
    ? "DENORT_BIN is not set"
    : bin.kind === "bad"
    ? `DENORT_BIN=${bin.path} ${bin.why}`
    : `DENORT_BIN=${bin.path} is the runtime for ${bin.target}`;
  const what = zips.length === 1
    ? `the Deno ${Deno.version.deno} runtime ${zips[0]} is not in ${cacheDir}`
    : `the Deno ${Deno.version.deno} runtimes ${zips.join(", ")} are not in ${cacheDir}`;
  const fix = zips.length === 1
    ? `set DENORT_BIN=/path/to/denort or put the zip there (from ${DL_URL}${zips[0]})`
    : `set DENORT_BIN=/path/to/denort (one target per build) or put the zips there (from ${DL_URL})`;
  return `build: cannot compile oet: ${what} and ${binNote}; ${fix}.`;
}

/** The `deno compile` arguments for one target. */
export function compileArgs(target: string, output: string): string[] {
  return [
    "compile",
    ...PERMISSION_FLAGS,
    "--exclude-unused-npm",
    "--target",
    target,
    "--output",
    output,
    MAIN,
  ];
}

/** `<hex>  <name>\n`, the format `sha256sum -c` reads. */
export async function sha256Line(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return `${hash.digest("hex")}  ${path.slice(path.lastIndexOf("/") + 1)}\n`;
}

function exe(target: string): string {
  return target.includes("windows") ? ".exe" : "";
}

async function compile(target: string, output: string, source?: DenortSource): Promise<void> {
  const env = Deno.env.toObject();
  // DENORT_BIN would replace the runtime of every target: keep it for its own only.
  if (source?.from !== "DENORT_BIN") delete env.DENORT_BIN;
  delete env.RUST_BACKTRACE;
  console.error(`build: ${target} → ${output}${source ? ` (runtime: ${source.path})` : ""}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, output),
    env,
    clearEnv: true,
    stdin: "null",
  }).spawn().status;
  if (!status.success) throw new BuildError(`deno compile for ${target} failed (see above).`);
}

/** A runtime that is not denort gives a binary that is just deno: catch that here. */
async function smokeTest(output: string): Promise<void> {
  let text: string;
  try {
    const out = await new Deno.Command(output, {
      args: ["--version"],
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
    text = new TextDecoder().decode(out.stdout).trim();
  } catch (err) {
    throw new BuildError(`${output} does not run here: ${(err as Error).message}`);
  }
  if (text !== denoJson.version) {
    await Deno.remove(output);
    throw new BuildError(
      `${output} printed ${JSON.stringify(text.split("\n")[0])} for --version, not ${
        JSON.stringify(denoJson.version)
      }: the runtime it was built on is not denort; the file was removed.`,
    );
  }
}

class BuildError extends Error {}

const USAGE = `usage: deno run -A scripts/build.ts [--all] [--out-dir DIR] [--download]

  (default)      DIR/oet (oet.exe on Windows) for this machine
  --all          DIR/oet-${denoJson.version}-<target>[.exe] and a .sha256 file for
                 ${TARGETS.join(", ")}
  --out-dir DIR  where to write (default: dist)
  --download     let deno compile download a missing denort from dl.deno.land

deno compile needs denort: DENORT_BIN=/path/to/denort, or
$DENO_DIR/dl/release/v${Deno.version.deno}/denort-<target>.zip.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv[0] === "--" ? argv.slice(1) : argv,
      options: {
        all: { type: "boolean", default: false },
        "out-dir": { type: "string", default: "dist" },
        download: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    console.error(`build: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const host = Deno.build.target;
  const targets = values.all ? [...TARGETS] : [host];
  if (!values.all && !TARGETS.includes(host)) {
    console.error(`build: this machine's target ${host} is not a release target.`);
    return 1;
  }

  const sources = new Map<string, DenortSource>();
  const bin = await checkDenortBin(Deno.env.get("DENORT_BIN"));
  const cacheDir = await denortCacheDir();
  const missing: string[] = [];
  for (const t of targets) {
    const source = await findDenort(t, bin, cacheDir);
    if (source) sources.set(t, source);
    else missing.push(t);
  }
  if (missing.length > 0 && !values.download) {
    console.error(missingDenortMessage(missing, bin, cacheDir));
    return 1;
  }
  if (bin.kind === "bad") console.error(`build: ignoring DENORT_BIN=${bin.path}: it ${bin.why}.`);

  const outDir = values["out-dir"].replace(/\/+$/, "") || ".";
  await Deno.mkdir(outDir, { recursive: true });
  try {
    for (const t of targets) {
      const output = values.all
        ? `${outDir}/oet-${denoJson.version}-${t}${exe(t)}`
        : `${outDir}/oet${exe(t)}`;
      await compile(t, output, sources.get(t));
      if (t === host) await smokeTest(output);
      if (values.all) {
        await Deno.writeTextFile(`${output}.sha256`, await sha256Line(output));
        console.error(`build: ${output}.sha256`);
      }
    }
  } catch (err) {
    if (!(err instanceof BuildError)) throw err;
    console.error(`build: ${err.message}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
