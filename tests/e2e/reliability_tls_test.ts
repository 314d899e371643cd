/**
 * TLS with a private CA, as real subprocesses (the runtime reads the CA
 * variables when it starts): an https OET whose certificate the default
 * store does not know fails with exit 4 and a hint naming the variables;
 * with the CA in NODE_EXTRA_CA_CERTS or in DENO_CERT the same call works.
 */

import assert from "node:assert/strict";
import { faultTest } from "../support/fault_matrix.ts";
import { assertCleanError, makeTestCa, onPath, type TestCa } from "../support/reliability.ts";
import { runOetProcess } from "../support/spawn.ts";

const NO_OPENSSL = onPath("openssl") ? undefined : "openssl is not on PATH to make a test CA";

/** Runs `fn` with an https 5.x OET on loopback whose certificate the test CA signed. */
async function withTlsOet(fn: (url: string, ca: TestCa) => Promise<void>): Promise<void> {
  const ca = await makeTestCa();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: ca.cert, key: ca.key, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/api/v1.0/procedures"
        ? Response.json({ procedures: [] })
        : new Response("not found", { status: 404 }),
  );
  try {
    await fn(`https://127.0.0.1:${server.addr.port}/api/v1.0`, ca);
  } finally {
    await server.shutdown();
    await ca.remove();
  }
}

faultTest("tls-unknown-ca", async (row) => {
  await withTlsOet(async (url) => {
    const r = await runOetProcess(["procedure", "list"], { env: { OET_REST_URI: url } });
    assertCleanError(r, {
      code: row.exit,
      cause: /^error: TLS connection to 127\.0\.0\.1:\d+ failed: UnknownIssuer \(https:/,
      hint: /NODE_EXTRA_CA_CERTS or DENO_CERT at its PEM file, or set DENO_TLS_CA_STORE=system/,
    });
  });
}, { ignore: NO_OPENSSL });

faultTest("tls-private-ca-trusted", async (row) => {
  await withTlsOet(async (url, ca) => {
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
