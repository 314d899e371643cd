/**
 * TLS with a private CA, as real subprocesses (the runtime reads the CA
 * variables when it starts): an https OET whose certificate the default
 * store does not know fails with exit 4 and a hint naming the variables;
 * with the CA in NODE_EXTRA_CA_CERTS or in DENO_CERT the same call works.
 */

import assert from "node:assert/strict";
import { faultTest } from "../support/fault_matrix.ts";
import { HttpDouble, json } from "../support/http_double.ts";
import { assertCleanError, makeTestCa, type TestCa } from "../support/reliability.ts";
import { runOetProcess, which } from "../support/spawn.ts";

const NO_OPENSSL = which("openssl") ? undefined : "openssl is not on PATH to make a test CA";

/**
 * Runs `fn` with an https 5.x OET on loopback whose certificate the test CA
 * signed; `reached`: whether the test's handshake succeeds (else any request
 * fails it).
 */
async function withTlsOet(
  reached: boolean,
  fn: (url: string, ca: TestCa) => Promise<void>,
): Promise<void> {
  const ca = await makeTestCa();
  const server = new HttpDouble(
    reached
      ? [{ url: "/api/v1.0/procedures", respond: json({ procedures: [] }), reusable: true }]
      : [],
  ).listen({ cert: ca.cert, key: ca.key });
  try {
    await fn(`${server.origin}/api/v1.0`, ca);
  } finally {
    await ca.remove();
    await server.close();
  }
}

faultTest("tls-unknown-ca", async (row) => {
  await withTlsOet(false, async (url) => {
    const r = await runOetProcess(["procedure", "list"], { env: { OET_REST_URI: url } });
    assertCleanError(r, {
      code: row.exit,
      cause: /^error: TLS connection to 127\.0\.0\.1:\d+ failed: UnknownIssuer \(https:/,
      hint: /NODE_EXTRA_CA_CERTS or DENO_CERT at its PEM file, or set DENO_TLS_CA_STORE=system/,
    });
  });
}, { ignore: NO_OPENSSL });

faultTest("tls-private-ca-trusted", async (row) => {
  await withTlsOet(true, async (url, ca) => {
    for (const variable of ["NODE_EXTRA_CA_CERTS", "DENO_CERT"]) {
      const r = await runOetProcess(["procedure", "list"], {
        env: { OET_REST_URI: url, [variable]: ca.caFile },
      });
      assert.equal(r.code, row.exit, `${variable}: ${r.stderr}`);
      assert.equal(r.stderr, "", variable);
      assert.match(r.stdout, /^ID +Script +Creation time +State\n-+/, variable);
    }
  });
}, { ignore: NO_OPENSSL });
