/**
 * The clean environment of the tests' child processes keeps what a fresh
 * machine behind a TLS-intercepting proxy needs to download packages (the
 * CA variables always, the proxy variables for a child that downloads), and
 * keeps loopback out of any proxy.
 */

import assert from "node:assert/strict";
import { baseEnv, CA_VARIABLES, PROXY_VARIABLES } from "../support/spawn.ts";

const from: Record<string, string> = {
  NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
  DENO_CERT: "/etc/deno-ca.pem",
  DENO_TLS_CA_STORE: "system",
  SSL_CERT_FILE: "/etc/ssl.pem",
  SSL_CERT_DIR: "/etc/ssl",
  HTTPS_PROXY: "http://proxy:3128",
  https_proxy: "http://proxy:3128",
  HTTP_PROXY: "http://proxy:3128",
  http_proxy: "http://proxy:3128",
  ALL_PROXY: "http://proxy:3128",
  all_proxy: "http://proxy:3128",
  NO_PROXY: "example.org",
  OET_REST_URI: "http://not-kept:1",
};

Deno.test("baseEnv keeps the CA variables, and the proxy variables only for a child that downloads", () => {
  const plain = baseEnv({}, { from });
  for (const name of CA_VARIABLES) assert.equal(plain[name], from[name], name);
  for (const name of PROXY_VARIABLES) assert.equal(plain[name], undefined, name);
  assert.equal(plain.OET_REST_URI, undefined);

  const network = baseEnv({}, { from, network: true });
  for (const name of [...CA_VARIABLES, ...PROXY_VARIABLES]) {
    assert.equal(network[name], from[name], name);
  }
  // Loopback never goes through a proxy; what the caller gives wins.
  assert.equal(network.NO_PROXY, "127.0.0.1,localhost");
  assert.equal(network.no_proxy, "127.0.0.1,localhost");
  assert.equal(baseEnv({ DENO_CERT: "/mine.pem" }, { from }).DENO_CERT, "/mine.pem");
  // Nothing set, nothing kept.
  assert.deepEqual(Object.keys(baseEnv({}, { from: {} })).sort(), [
    "DENO_DIR",
    "DENO_NO_UPDATE_CHECK",
    "HOME",
    "NO_PROXY",
    "PATH",
    "no_proxy",
  ]);
});
