/**
 * `oet` under exactly the binary's permissions (scripts/permissions.ts), run
 * as a real process through tests/support/spawn.ts: `deno run
 * <PERMISSION_FLAGS> main.ts`, or the compiled binary when `OET_BINARY` is set
 * (the compiled-binary test runs this file that way). A permission missing
 * from the list fails here instead of in a user's binary.
 */

import assert from "node:assert/strict";
import { ENV_VARS, type EnvName } from "../../src/config/config.ts";
import {
  baseEnv,
  Collected,
  oetCommand,
  runCommand,
  runOetProcess,
  shQuote,
  spawnOet,
  which,
  within,
} from "../support/spawn.ts";
import { withSim } from "../support/sim.ts";
import { until as waitFor } from "../support/wait.ts";
import { closedPort } from "../support/sockets.ts";

const V7_SBD = "sbd-t0001-20250403-00001";

/** The login test of tests/e2e/auth_e2e_test.ts: it shows OET_AUTH_* and XDG_CONFIG_HOME work. */
const LOGIN_TEST = "auth_e2e_test.ts: auth e2e: login with the OET_AUTH_* settings into " +
  "XDG_CONFIG_HOME, a command with the cached login, auth status, auth token, logout";

/** The proxy variables: the runtime's fetch reads them itself; oet reads them for `oet doctor`. */
const PROXY_TEST = "test: proxy variables: oet doctor reads each one under the binary's flags";

/**
 * How each variable oet reads is shown to work under the flags: the test that
 * observes it, or why nothing can. Typed by EnvName, so a variable added to
 * ENV_VARS does not type-check until it is listed here.
 */
const HONOURED: Record<EnvName, string> = {
  OET_REST_URI: "test: procedure list reaches the server named by OET_REST_URI",
  OET_URL: "test: OET_URL alone names the server",
  OET_CONTEXT: "test: OET_CONFIG names the contexts file and OET_CONTEXT picks a context",
  OET_CONFIG: "test: OET_CONFIG names the contexts file and OET_CONTEXT picks a context",
  OET_REQUEST_TIMEOUT: "test: OET_REQUEST_TIMEOUT",
  OET_RECONNECT_TIMEOUT: "test: OET_RECONNECT_TIMEOUT with a bad value",
  OET_DEBUG: "test: OET_DEBUG",
  NO_COLOR: "test: colour on a terminal",
  TERM: "test: colour on a terminal",
  FORCE_COLOR: "test: colour forced in a pipe",
  CLICOLOR_FORCE: "test: colour forced in a pipe",
  OET_TOKEN: "auth_e2e_test.ts: auth e2e: OET_TOKEN is sent as the bearer token; without one " +
    "the server refuses, exit 5",
  OET_TOKEN_FILE: "auth_e2e_test.ts: auth e2e: OET_TOKEN_FILE is read before each request: " +
    "rotated while procedure start waits",
  OET_AUTH_ISSUER: LOGIN_TEST,
  OET_AUTH_CLIENT_ID: LOGIN_TEST,
  OET_AUTH_SCOPE: LOGIN_TEST,
  XDG_CONFIG_HOME: LOGIN_TEST,
  HOME: "auth_e2e_test.ts: auth e2e: HOME alone keeps the login in ~/.config/oet, renewed there " +
    "when it expires",
  HTTPS_PROXY: PROXY_TEST,
  https_proxy: PROXY_TEST,
  HTTP_PROXY: PROXY_TEST,
  http_proxy: PROXY_TEST,
  ALL_PROXY: PROXY_TEST,
  all_proxy: PROXY_TEST,
  NO_PROXY: PROXY_TEST,
  no_proxy: PROXY_TEST,
};

Deno.test("env: every variable in ENV_VARS has a check here or a reason why it cannot", () => {
  assert.deepEqual(Object.keys(HONOURED).sort(), [...ENV_VARS].sort());
});

Deno.test("procedure list reaches the server named by OET_REST_URI", async () => {
  await withSim("v7", async (sim) => {
    const env = { OET_REST_URI: sim.baseUrl };
    const created = await runOetProcess(
      ["procedure", "create", "file:///scripts/hello_world.py", "-o", "id"],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), "1");
    const r = await runOetProcess(["procedure", "list"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ +ID +Script +Creation time +State$/m);
    assert.match(r.stdout, /^ +1 +file:\/\/\/scripts\/hello_world\.py /m);
    assert.ok(sim.requests.some((q) => q.method === "GET" && q.path.endsWith("/procedures/")));
  });
});

Deno.test("OET_CONFIG names the contexts file and OET_CONTEXT picks a context", async () => {
  await withSim("v7", async (sim) => {
    const dir = await Deno.makeTempDir({ prefix: "oet-config-" });
    try {
      const env = { OET_CONFIG: `${dir}/contexts.toml` };
      const add = (name: string, url: string) =>
        runOetProcess(["context", "add", name, "--server-url", url], { env });
      assert.equal((await add("off", "http://127.0.0.1:9/api/v1.0")).code, 0);
      assert.equal((await add("sim", sim.baseUrl)).code, 0);
      assert.match(await Deno.readTextFile(`${dir}/contexts.toml`), /\[contexts\.sim\]/);
      const r = await runOetProcess(["procedure", "list"], { env: { ...env, OET_CONTEXT: "sim" } });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(sim.requests.length > 0, "the request went to the simulator");
      const empty = await runOetProcess(["procedure", "list"], {
        env: { ...env, OET_CONTEXT: "" },
      });
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /OET_CONTEXT in the environment is set but empty/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("OET_URL alone names the server", async () => {
  await withSim("v7", async (sim) => {
    const r = await runOetProcess(["procedure", "list"], { env: { OET_URL: sim.baseUrl } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sim.requests.length > 0, "the request went to the simulator");
  });
});

Deno.test(".env in the current directory names the server (no OET_* in the environment)", async () => {
  await withSim("v7", async (sim) => {
    const dir = await Deno.makeTempDir({ prefix: "oet-dotenv-" });
    try {
      await Deno.writeTextFile(
        `${dir}/.env`,
        `# written by the test\nOET_REST_URI=${sim.baseUrl}\n`,
      );
      const r = await runOetProcess(["procedure", "list"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /ID +Script/);
      assert.ok(sim.requests.length > 0, "the request went to the simulator");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("activity run follows the activity's procedure to COMPLETE, exit 0", async () => {
  await withSim("v7", async (sim) => {
    const r = await runOetProcess(["activity", "run", "observe", V7_SBD], {
      env: { OET_REST_URI: sim.baseUrl },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ +1 +observe +sbd-t0001-20250403-00001 /m);
    assert.match(r.stdout, /^- State: COMPLETE$/m);
  });
});

Deno.test("listen prints an event as it arrives; SIGINT ends it with exit 130", async () => {
  await withSim("v7", async (sim) => {
    const env = { OET_REST_URI: sim.baseUrl };
    const child = spawnOet(["listen"], { env });
    const out = new Collected(child.stdout);
    const err = new Collected(child.stderr);
    try {
      await waitFor(() => sim.openStreams > 0, "oet listen to subscribe");
      const created = await runOetProcess(
        ["procedure", "create", "file:///scripts/hello_world.py"],
        { env },
      );
      assert.equal(created.code, 0, created.stderr);
      await out.until(/procedure\.lifecycle\.created/);
      child.kill("SIGINT");
      const status = await within(child.status, 10_000, "oet listen to end after SIGINT");
      await Promise.all([out.done, err.done]);
      assert.equal(status.code, 130, err.text);
      assert.match(out.text, /created procedure 1 file:\/\/\/scripts\/hello_world\.py/);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already ended
      }
      await Promise.allSettled([child.status, out.done, err.done]);
    }
  });
});

Deno.test("OET_REQUEST_TIMEOUT: a bad value is a usage error naming it; a short one times out", async () => {
  const bad = await runOetProcess(["procedure", "list"], {
    env: { OET_REST_URI: "http://127.0.0.1:1/api/v1.0", OET_REQUEST_TIMEOUT: "soon" },
  });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(
    bad.stderr,
    /invalid duration "soon" \(from OET_REQUEST_TIMEOUT in the environment\)/,
  );

  await withSim("v7", async (sim) => {
    const started = Date.now();
    const r = await runOetProcess(["procedure", "list"], {
      env: { OET_REST_URI: sim.baseUrl, OET_REQUEST_TIMEOUT: "200ms" },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.ok(Date.now() - started < 4_000, "gave up after about 200 ms, not the 35 s default");
    assert.ok(sim.requests.length > 0, "the request reached the simulator");
  }, { faults: { latencyMs: 5_000 } });
});

Deno.test("OET_RECONNECT_TIMEOUT with a bad value is a usage error naming it", async () => {
  const r = await runOetProcess(["procedure", "list"], {
    env: { OET_REST_URI: "http://127.0.0.1:1/api/v1.0", OET_RECONNECT_TIMEOUT: "never" },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /invalid duration "never" \(from OET_RECONNECT_TIMEOUT in the environment\)/,
  );
});

Deno.test("OET_DEBUG: =api traces HTTP on stderr; =1 adds the stack of an error", async () => {
  await withSim("v7", async (sim) => {
    const plain = await runOetProcess(["procedure", "list"], {
      env: { OET_REST_URI: sim.baseUrl },
    });
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /^> GET/m);
    const traced = await runOetProcess(["procedure", "list"], {
      env: { OET_REST_URI: sim.baseUrl, OET_DEBUG: "api" },
    });
    assert.equal(traced.code, 0, traced.stderr);
    assert.match(
      traced.stderr,
      /^> GET http:\/\/127\.0\.0\.1:\d+\/ska-oso-oet\/oet\/api\/v7\/procedures\/$/m,
    );
  });
  // A port nothing listens on: a connection error, with and without the stack.
  const port = closedPort();
  const env = { OET_REST_URI: `http://127.0.0.1:${port}/api/v1.0` };
  const quiet = await runOetProcess(["procedure", "list"], { env });
  assert.equal(quiet.code, 4, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /^ {4}at /m);
  const debug = await runOetProcess(["procedure", "list"], { env: { ...env, OET_DEBUG: "1" } });
  assert.equal(debug.code, 4, debug.stderr);
  assert.match(debug.stderr, /^ {4}at .*src\/api\/http\.ts/m);
});

/** Runs oet on a pseudo-terminal through util-linux `script`; returns all it printed. */
async function onTerminal(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; text: string }> {
  const [program, lead] = oetCommand();
  const line = [program, ...lead, ...args].map(shQuote).join(" ");
  const r = await runCommand("script", ["-q", "-e", "-c", line, "/dev/null"], {
    env: baseEnv({ SHELL: "/bin/sh", ...env }),
    clearEnv: true,
  });
  return { code: r.code, text: r.stdout + r.stderr };
}

const ESC = "\x1b";
const SCRIPT = which("script");
Deno.test({
  name: SCRIPT
    ? "colour on a terminal: red error: with TERM=xterm, none with NO_COLOR=1 or TERM=dumb"
    : "colour on a terminal: SKIPPED — util-linux `script` (for a pseudo-terminal) is not on PATH",
  ignore: !SCRIPT,
  async fn() {
    // A usage error: the red "error:" needs no server.
    const args = ["--server-url", "ftp://example.org", "procedure", "list"];
    const coloured = await onTerminal(args, { TERM: "xterm" });
    assert.equal(coloured.code, 2, coloured.text);
    assert.ok(coloured.text.includes(`${ESC}[31merror:${ESC}[0m server URL`), coloured.text);
    const plainEnvs: Record<string, string>[] = [{ TERM: "xterm", NO_COLOR: "1" }, {
      TERM: "dumb",
    }];
    for (const env of plainEnvs) {
      const plain = await onTerminal(args, env);
      assert.equal(plain.code, 2, plain.text);
      assert.match(plain.text, /^error: .*is not http:\/\/ or https:\/\//m, JSON.stringify(env));
      assert.ok(!plain.text.includes(ESC), `${JSON.stringify(env)}: ${plain.text}`);
    }
  },
});

Deno.test("colour forced in a pipe: FORCE_COLOR and CLICOLOR_FORCE turn it on, NO_COLOR wins, 0 means no", async () => {
  // A usage error: the "error:" is red when colour is on, and needs no server.
  const args = ["--server-url", "ftp://example.org", "procedure", "list"];
  const red = "\x1b[31merror:";
  for (
    const [env, coloured] of [
      [{}, false],
      [{ FORCE_COLOR: "1" }, true],
      [{ CLICOLOR_FORCE: "1" }, true],
      [{ FORCE_COLOR: "0" }, false],
      [{ CLICOLOR_FORCE: "0" }, false],
      [{ FORCE_COLOR: "1", NO_COLOR: "1" }, false],
    ] as [Record<string, string>, boolean][]
  ) {
    const r = await runOetProcess(args, { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.includes(red),
      coloured,
      `${JSON.stringify(env)}: ${JSON.stringify(r.stderr)}`,
    );
  }
});

Deno.test("proxy variables: oet doctor reads each one under the binary's flags", async () => {
  await withSim("v7", async (sim) => {
    // Only these variables: the suite's own NO_PROXY would hide the others.
    const [program, lead] = oetCommand();
    const doctor = async (vars: Record<string, string>) => {
      const env: Record<string, string> = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        DENO_NO_UPDATE_CHECK: "1",
        OET_REST_URI: sim.baseUrl,
        ...vars,
      };
      const denoDir = Deno.env.get("DENO_DIR");
      if (denoDir) env.DENO_DIR = denoDir;
      const r = await runCommand(program, [...lead, "doctor"], { env, clearEnv: true });
      return { code: r.code, text: r.stdout + r.stderr };
    };
    // A proxy on a closed port: requests to the (http://) server would go there.
    const PROXY = "http://127.0.0.1:9";
    for (const name of ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]) {
      const r = await doctor({ [name]: PROXY });
      assert.equal(r.code, 4, r.text);
      assert.ok(r.text.includes(`requests go through the proxy ${PROXY} (from ${name})`), r.text);
    }
    for (const name of ["HTTPS_PROXY", "https_proxy"]) {
      const r = await doctor({ [name]: PROXY });
      assert.equal(r.code, 0, r.text);
      assert.ok(r.text.includes(`${name}=${PROXY}, but none for http:// servers`), r.text);
    }
    for (const name of ["NO_PROXY", "no_proxy"]) {
      const r = await doctor({ HTTP_PROXY: PROXY, [name]: "127.0.0.1" });
      assert.equal(r.code, 0, r.text);
      assert.ok(r.text.includes(`${name} covers 127.0.0.1`), r.text);
    }
  });
});
