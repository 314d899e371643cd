/**
 * `scripts/build.ts` and the compiled binary.
 *
 * With a real denort for this machine (`DENORT_BIN`, or the zip deno caches in
 * `$DENO_DIR/dl/release/v<deno>/`) the binary is built into a temp dir and the
 * end-to-end permission and completion tests run against it
 * (`OET_BINARY=<it>`). Without one, exactly one test is reported as ignored,
 * saying why and how to enable it. The build script's own failure without
 * denort, its compile flags and its checksum files are tested either way.
 */

import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import {
  buildStamp,
  checkDenortBin,
  compileArgs,
  denortCacheDir,
  denortZipName,
  entrySource,
  executableTarget,
  expectedVersionLine,
  findDenort,
  sha256Line,
  TARGETS,
} from "../../scripts/build.ts";
import { bundleOet } from "../../scripts/bundle.ts";
import { PERMISSION_FLAGS, TEST_FLAGS } from "../../scripts/permissions.ts";
import { type Ran, runCommand, which } from "../support/spawn.ts";

const HOST = Deno.build.target;
const DENO = Deno.version.deno;
const BUILD = new URL("../../scripts/build.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** `scripts/build.ts` with no denort anywhere: an empty DENO_DIR, no DENORT_BIN. */
async function buildWithoutDenort(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<Ran & { denoDir: string; outDir: string }> {
  const denoDir = await Deno.makeTempDir({ prefix: "oet-empty-deno-dir-" });
  const outDir = `${denoDir}/out`;
  // The npm packages the build script imports (acorn) come from this
  // machine's cache, as after any `deno install`; denort is nowhere.
  const info = await runCommand(Deno.execPath(), ["info", "--json"], { cwd: ROOT });
  await Deno.symlink(JSON.parse(info.stdout).npmCache, `${denoDir}/npm`);
  try {
    // --cached-only: the script itself needs nothing from the network.
    const r = await runCommand(
      Deno.execPath(),
      ["run", "--cached-only", "-A", BUILD, ...args, "--out-dir", outDir],
      {
        cwd: ROOT,
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: Deno.env.get("HOME") ?? "/tmp",
          DENO_DIR: denoDir,
          NO_COLOR: "1",
          DENO_NO_UPDATE_CHECK: "1",
          ...extraEnv,
        },
      },
    );
    const outExists = await Deno.stat(outDir).then(() => true, () => false);
    assert.equal(outExists, false, "nothing is written when denort is missing");
    return { ...r, denoDir, outDir };
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

Deno.test("build.ts without denort: exit 1 and one sentence naming the zip and both remedies", async () => {
  const r = await buildWithoutDenort([]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  const zip = denortZipName(HOST);
  assert.equal(
    lines[0],
    `build: cannot compile oet: the Deno ${DENO} runtime ${zip} is not in ` +
      `${r.denoDir}/dl/release/v${DENO}/ and DENORT_BIN is not set; set ` +
      `DENORT_BIN=/path/to/denort or put the zip there ` +
      `(from https://dl.deno.land/release/v${DENO}/${zip}).`,
  );
});

Deno.test("build.ts refuses a DENORT_BIN that is the full deno CLI", async () => {
  const r = await buildWithoutDenort([], { DENORT_BIN: Deno.execPath() });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(
    lines[0].includes(`DENORT_BIN=${Deno.execPath()} is the full deno CLI, not denort;`),
    lines[0],
  );
});

Deno.test("build.ts --all (after deno task's --): one sentence naming every target's zip", async () => {
  const r = await buildWithoutDenort(["--", "--all"]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith("build: cannot compile oet: the Deno "), lines[0]);
  for (const t of TARGETS) assert.ok(lines[0].includes(denortZipName(t)), t);
  assert.deepEqual(TARGETS, [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
  ]);
});

Deno.test("the release entry (the bundle build.ts compiles) stamps the version line with the commit and date, once (run with the binary's flags)", async () => {
  const stamp = { commit: "abc1234", date: "2026-11-29" };
  await Deno.mkdir(new URL("dist/", `file://${ROOT}`), { recursive: true });
  const dir = await Deno.makeTempDir({
    dir: new URL("dist/", `file://${ROOT}`).pathname,
    prefix: ".entry-test-",
  });
  try {
    await Deno.writeTextFile(`${dir}/oet.ts`, entrySource(stamp, await bundleOet(`${dir}/bundle`)));
    // `version` is a lazy command: its chunk loads from the bundle.
    for (const args of [["--version"], ["version"]]) {
      const r = await runCommand(Deno.execPath(), [
        "run",
        ...PERMISSION_FLAGS,
        `${dir}/oet.ts`,
        ...args,
      ], {
        clearEnv: true,
        env: { PATH: Deno.env.get("PATH") ?? "" },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${expectedVersionLine(stamp)}\n`);
    }
    assert.equal(
      expectedVersionLine(stamp),
      `oet ${denoJson.version} (commit abc1234, built 2026-11-29; deno ${DENO})`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile flags: exactly PERMISSION_FLAGS, unused npm excluded, no --cert or --env-file", () => {
  const args = compileArgs("aarch64-apple-darwin", "dist/x");
  const at = args.indexOf(PERMISSION_FLAGS[0]);
  assert.ok(at > 0);
  assert.deepEqual(args.slice(at, at + PERMISSION_FLAGS.length), [...PERMISSION_FLAGS]);
  assert.ok(args.includes("--no-prompt"));
  assert.ok(args.includes("--exclude-unused-npm"));
  assert.deepEqual(args.slice(args.indexOf("--target"), args.indexOf("--target") + 2), [
    "--target",
    "aarch64-apple-darwin",
  ]);
  const isPermission = (a: string) => /^--(allow|deny|ignore|no-prompt)/.test(a);
  assert.deepEqual(
    args.filter(isPermission),
    PERMISSION_FLAGS.filter(isPermission),
    "no permission beyond the list",
  );
  for (const a of args) {
    assert.ok(!/^(--cert|--env-file|--env|-A$|--allow-all)/.test(a), a);
  }
  assert.ok(args.at(-1)!.endsWith("/main.ts"));
});

Deno.test("executableTarget reads ELF, Mach-O and PE headers", async () => {
  using file = await Deno.open(Deno.execPath());
  const head = new Uint8Array(4096);
  const n = (await file.read(head)) ?? 0;
  assert.equal(executableTarget(head.subarray(0, n)), HOST);
  const macho = new Uint8Array(8);
  new DataView(macho.buffer).setUint32(0, 0xfeedfacf, true);
  new DataView(macho.buffer).setUint32(4, 0x0100000c, true);
  assert.equal(executableTarget(macho), "aarch64-apple-darwin");
  const pe = new Uint8Array(0x100);
  pe.set([0x4d, 0x5a]);
  new DataView(pe.buffer).setUint32(0x3c, 0x80, true);
  new DataView(pe.buffer).setUint32(0x80, 0x50450000);
  new DataView(pe.buffer).setUint16(0x84, 0x8664, true);
  assert.equal(executableTarget(pe), "x86_64-pc-windows-msvc");
  assert.equal(executableTarget(new TextEncoder().encode("#!/bin/sh\necho deno\n")), undefined);
});

const SHA256SUM = which("sha256sum");
Deno.test({
  name: SHA256SUM
    ? "checksum files: sha256sum -c accepts them and rejects a changed binary"
    : "checksum files: SKIPPED — sha256sum (coreutils) is not on PATH",
  ignore: !SHA256SUM,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "oet-sha-" });
    try {
      const name = `oet-${denoJson.version}-x86_64-pc-windows-msvc.exe`;
      await Deno.writeFile(`${dir}/${name}`, crypto.getRandomValues(new Uint8Array(60_000)));
      const line = await sha256Line(`${dir}/${name}`);
      assert.match(line, new RegExp(`^[0-9a-f]{64}  ${name.replaceAll(".", "\\.")}\\n$`));
      await Deno.writeTextFile(`${dir}/${name}.sha256`, line);
      const ok = await runCommand("sha256sum", ["-c", `${name}.sha256`], { cwd: dir });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.equal(ok.stdout, `${name}: OK\n`);
      await Deno.writeFile(`${dir}/${name}`, new Uint8Array([1]), { append: true });
      const bad = await runCommand("sha256sum", ["-c", `${name}.sha256`], { cwd: dir });
      assert.equal(bad.code, 1, bad.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---- the compiled binary itself ----

const bin = await checkDenortBin(Deno.env.get("DENORT_BIN"));
const cacheDir = await denortCacheDir();
const source = await findDenort(HOST, bin, cacheDir);

/** Why there is no binary to test, and how to get one. */
function skipReason(): string {
  const zip = denortZipName(HOST);
  const how = `set DENORT_BIN=/path/to/denort or put ${zip} in ${cacheDir}`;
  if (bin.kind === "bad") {
    return `DENORT_BIN=${bin.path} ${bin.why} and no ${zip} is cached (${how})`;
  }
  if (bin.kind === "runtime") {
    return `DENORT_BIN=${bin.path} is the runtime for ${bin.target}, not ${HOST} (${how})`;
  }
  return `no denort for deno ${DENO} (${how})`;
}

if (!source) {
  Deno.test({
    name: `compiled binary: SKIPPED — ${skipReason()}`,
    ignore: true,
    fn() {},
  });
} else {
  Deno.test(`compiled binary (runtime: ${source.path}): build, versions, e2e tests against it`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "oet-compiled-" });
    try {
      const env = Deno.env.toObject();
      delete env.RUST_BACKTRACE;
      const built = await runCommand(Deno.execPath(), ["run", "-A", BUILD, "--out-dir", dir], {
        cwd: ROOT,
        env,
        clearEnv: true,
      }, 180_000);
      assert.equal(built.code, 0, built.stderr);
      const oet = `${dir}/oet${HOST.includes("windows") ? ".exe" : ""}`;

      const stamp = await buildStamp();
      const version = await runCommand(oet, ["--version"], { clearEnv: true });
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout, `${expectedVersionLine(stamp)}\n`);
      const verbose = await runCommand(oet, ["version", "--verbose"], { clearEnv: true });
      assert.equal(verbose.code, 0, verbose.stderr);
      assert.deepEqual(verbose.stdout.trimEnd().split("\n"), [
        expectedVersionLine(stamp),
        `v8 ${Deno.version.v8}`,
        `typescript ${Deno.version.typescript}`,
        `target ${HOST}`,
      ]);

      // procedure list, listen + SIGINT, activity run, .env, every variable,
      // completions: the same tests, now against the binary.
      const suite = await runCommand(Deno.execPath(), [
        "test",
        ...TEST_FLAGS,
        "tests/e2e/permissions_test.ts",
        "tests/e2e/completion_test.ts",
      ], {
        cwd: ROOT,
        clearEnv: true,
        env: {
          ...env,
          OET_BINARY: oet,
          NO_COLOR: "1",
          NO_PROXY: "127.0.0.1,localhost",
          no_proxy: "127.0.0.1,localhost",
        },
      }, 180_000);
      assert.equal(suite.code, 0, suite.stdout + suite.stderr);
      assert.match(suite.stdout, /^ok \| [1-9]\d* passed \| 0 failed/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
