/**
 * Helpers of the reliability tests: what a clean error looks like on
 * stderr, and a private CA with a loopback server certificate. (Closed
 * ports and raw TCP servers are tests/support/sockets.ts.)
 */

import assert from "node:assert/strict";
import type { RunResult } from "./cli.ts";

/** Fails if `text` holds a JavaScript stack trace or the "bug in oet" hint. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at \S/m, `a stack trace:\n${text}`);
  assert.doesNotMatch(text, /\b(TypeError|RangeError|SyntaxError|Uncaught)\b/, text);
  assert.doesNotMatch(text, /looks like a bug in oet/, text);
}

/**
 * Asserts the clean-error contract: the exit code, exactly one `error:` line
 * matching `cause`, a `hint:` line right after it, no stack trace, nothing on
 * stdout.
 */
export function assertCleanError(
  r: RunResult,
  o: { code: number; cause: RegExp; hint?: RegExp },
): void {
  assert.equal(r.code, o.code, `exit code; stderr:\n${r.stderr}`);
  const lines = r.stderr.split("\n");
  const errors = lines.filter((l) => l.startsWith("error: "));
  assert.equal(errors.length, 1, `exactly one error line:\n${r.stderr}`);
  assert.match(errors[0], o.cause);
  const next = lines[lines.indexOf(errors[0]) + 1] ?? "";
  assert.match(next, /^hint: \S/, `a hint after the error:\n${r.stderr}`);
  if (o.hint) assert.match(next, o.hint);
  assertNoStack(r.stderr);
  assert.equal(r.stdout, "", "nothing on stdout");
}

/** A private CA and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TestCa {
  /** Path of the CA certificate (PEM), for NODE_EXTRA_CA_CERTS / DENO_CERT. */
  caFile: string;
  caPem: string;
  /** The server's certificate and key (PEM), for `Deno.serve`. */
  cert: string;
  key: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Makes a CA and a leaf certificate signed by it, valid for two days. A
 * self-signed leaf would not do: rustls rejects a CA certificate used as the
 * server's own (CaUsedAsEndEntity).
 */
export async function makeTestCa(): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "oet-ca-" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await openssl(dir, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=oet reliability test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    await openssl(dir, [
      "req",
      ...ec,
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=oet",
    ]);
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "leaf.pem",
      "-days",
      "2",
      "-extfile",
      "leaf.ext",
    ]);
    return {
      caFile: `${dir}/ca.pem`,
      caPem: await Deno.readTextFile(`${dir}/ca.pem`),
      cert: await Deno.readTextFile(`${dir}/leaf.pem`),
      key: await Deno.readTextFile(`${dir}/leaf.key`),
      remove: () => Deno.remove(dir, { recursive: true }),
    };
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
}
