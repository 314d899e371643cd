/**
 * `oet` against the simulator in AAA mode as a real process, under exactly
 * the binary's permissions (tests/support/spawn.ts; the compiled binary when
 * `OET_BINARY` is set): the login through the simulator's issuer, the cache
 * it writes (modes 0700/0600) under XDG_CONFIG_HOME or HOME, a command with
 * the cached login, OET_TOKEN, OET_TOKEN_FILE rotated while a command runs,
 * `auth status`, `auth token`, `auth logout`, Ctrl-C during a login, and
 * `deno task demo -- --auth` under the task's own permissions. A variable or
 * a path missing from the binary's `--allow-env`/`--allow-read`/`--allow-write`
 * fails here. tests/e2e/permissions_test.ts points at these tests by name.
 */

import assert from "node:assert/strict";
import { generateSigningKey } from "../../sim/src/jwt.ts";
import type { AuthOptions, Simulator, SimulatorOptions } from "../../sim/src/server.ts";
import { withSim } from "../support/sim.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { runCommand, spawnOet } from "../support/spawn.ts";
import { runOetProcess, within } from "../support/spawn.ts";
import { until as waitFor } from "../support/wait.ts";

const KEYS = await generateSigningKey();

/**
 * Deno's own cache. These tests point HOME at temporary directories; the
 * cache would follow HOME (and be empty) unless DENO_DIR says where it is.
 */
const DENO_DIR = Deno.env.get("DENO_DIR") || JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output())
      .stdout,
  ),
).denoDir as string;

/** Runs oet as a real process with `env` (and Deno's cache where it is). */
function oet(args: string[], env: Record<string, string>) {
  return runOetProcess(args, { env: { DENO_DIR, ...env } });
}

/** Options for `withSim` of a 7.x simulator with AAA on (its issuer approves when told), plus `extra`. */
function aaa(
  auth: AuthOptions = {},
  extra: Omit<SimulatorOptions, "flavor" | "auth"> = {},
): Omit<SimulatorOptions, "flavor"> {
  return {
    stepMs: 5,
    ...extra,
    auth: { keyPair: KEYS, issuer: { autoApprove: 0, pollIntervalS: 1 }, ...auth },
  };
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "oet-auth-e2e-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

function bearer(sim: Simulator): (string | null)[] {
  return sim.requests.map((q) => q.authorization?.replace(/^Bearer /, "") ?? null);
}

Deno.test("auth e2e: login with the OET_AUTH_* settings into XDG_CONFIG_HOME, a command with the cached login, auth status, auth token, logout", async () => {
  await withTemp(async (tmp) => {
    const xdg = `${tmp}/xdg`;
    const home = `${tmp}/home`;
    await Deno.mkdir(home);
    await withSim("v7", async (sim) => {
      const issuer = sim.issuer!;
      const env = {
        OET_REST_URI: sim.baseUrl,
        OET_AUTH_ISSUER: issuer.url,
        OET_AUTH_CLIENT_ID: "oet-e2e",
        OET_AUTH_SCOPE:
          "api://oet-sim/activity:read api://oet-sim/procedure:execute offline_access",
        XDG_CONFIG_HOME: xdg,
        HOME: home,
      };
      const login = await oet(["auth", "login"], env);
      assert.equal(login.code, 0, login.stderr);
      const code = issuer.codes()[0];
      assert.ok(
        login.stderr.includes(
          `open ${issuer.url}/device?user_code=${code.userCode} and enter the code ${code.userCode}`,
        ),
        login.stderr,
      );
      assert.match(
        login.stderr,
        /^logged in as Ada Lovelace \(ada@oet-sim\.example\); the login is kept in .*\/xdg\/oet\/tokens\.json/m,
      );
      // The settings came from the environment: issuer, client id and scope.
      assert.equal(issuer.requests[0].path, "/issuer/.well-known/openid-configuration");
      assert.equal(issuer.requests[1].clientId, "oet-e2e");
      assert.equal(issuer.requests[1].scope, env.OET_AUTH_SCOPE);
      // The cache: private, and under XDG_CONFIG_HOME, not HOME.
      const file = `${xdg}/oet/tokens.json`;
      assert.equal(mode(`${xdg}/oet`), 0o700);
      assert.equal(mode(file), 0o600);
      assert.deepEqual([...Deno.readDirSync(home)], []);
      const cache = JSON.parse(await Deno.readTextFile(file));
      const { accessToken, refreshToken } = cache.entries[0];
      assert.equal(typeof refreshToken, "string");

      const create = await oet(
        ["procedure", "create", "file:///scripts/success.py", "-o", "id"],
        env,
      );
      assert.equal(create.code, 0, create.stderr);
      assert.equal(create.stdout, "1\n");
      assert.deepEqual(bearer(sim), [accessToken]);

      const status = await oet(["auth", "status", "-o", "json"], env);
      assert.equal(status.code, 0, status.stderr);
      const s = JSON.parse(status.stdout);
      assert.equal(s.state, "valid");
      assert.equal(s.name, "Ada Lovelace");
      assert.deepEqual(s.scopes, ["activity:read", "procedure:execute"]);
      assert.equal(s.login.cache, file);
      for (const secret of [accessToken, refreshToken]) {
        assert.ok(!(status.stdout + status.stderr).includes(secret), "status never shows a token");
      }

      const token = await oet(["auth", "token"], env);
      assert.equal(token.code, 0, token.stderr);
      assert.equal(token.stdout, `${accessToken}\n`);

      const logout = await oet(["auth", "logout"], env);
      assert.equal(logout.code, 0, logout.stderr);
      assert.match(logout.stderr, /^removed the login for .* from .*\/xdg\/oet\/tokens\.json$/m);
      assert.equal(await Deno.stat(file).catch(() => undefined), undefined);
      const after = await oet(["procedure", "list"], env);
      assert.equal(after.code, 5, after.stderr);
      assert.match(after.stderr, /^hint: log in with: oet auth login, or set OET_TOKEN/m);
    }, aaa({ clientId: "oet-e2e" }));
  });
});

Deno.test("auth e2e: HOME alone keeps the login in ~/.config/oet, renewed there when it expires", async () => {
  await withTemp(async (home) => {
    await withSim("v7", async (sim) => {
      const env = { OET_REST_URI: sim.baseUrl, ...sim.issuer!.loginEnv(), HOME: home };
      const login = await oet(["auth", "login"], env);
      assert.equal(login.code, 0, login.stderr);
      const file = `${home}/.config/oet/tokens.json`;
      assert.equal(mode(`${home}/.config/oet`), 0o700);
      assert.equal(mode(file), 0o600);
      const before = JSON.parse(await Deno.readTextFile(file)).entries[0].accessToken;
      // Its token lives 30 s: oet renews it before using it, and saves the new one.
      const list = await oet(["procedure", "list"], env);
      assert.equal(list.code, 0, list.stderr);
      const after = JSON.parse(await Deno.readTextFile(file)).entries[0].accessToken;
      assert.notEqual(after, before);
      assert.deepEqual(bearer(sim), [after]);
      assert.equal(mode(file), 0o600);
      assert.deepEqual([...Deno.readDirSync(`${home}/.config/oet`)].map((e) => e.name), [
        "tokens.json",
      ]);
    }, aaa({ issuer: { autoApprove: 0, pollIntervalS: 1, accessTokenTtlS: 30 } }));
  });
});

Deno.test("auth e2e: OET_TOKEN is sent as the bearer token; without one the server refuses, exit 5", async () => {
  await withTemp(async (home) => {
    await withSim("v7", async (sim) => {
      const token = await sim.issuer!.mint();
      const ok = await oet(["procedure", "list"], {
        OET_REST_URI: sim.baseUrl,
        OET_TOKEN: token,
        HOME: home,
      });
      assert.equal(ok.code, 0, ok.stderr);
      const refused = await oet(["procedure", "list"], { OET_REST_URI: sim.baseUrl, HOME: home });
      assert.equal(refused.code, 5);
      assert.match(refused.stderr, /^error: not authenticated: no token was sent/m);
      assert.deepEqual(bearer(sim), [token, null]);
    }, aaa());
  });
});

Deno.test("auth e2e: OET_TOKEN_FILE is read before each request: rotated while procedure start waits", async () => {
  await withTemp(async (dir) => {
    const file = `${dir}/token`;
    let rotate = () => {};
    let put: unknown;
    await withSim(
      "v7",
      async (sim) => {
        const first = await sim.issuer!.mint({ name: "First" });
        const second = await sim.issuer!.mint({ name: "Second" });
        await Deno.writeTextFile(file, first);
        rotate = () => Deno.writeTextFileSync(file, second);
        const env = { OET_REST_URI: sim.baseUrl, OET_TOKEN_FILE: file, HOME: dir };
        const create = await oet(["procedure", "create", "file:///scripts/hello_world.py"], env);
        assert.equal(create.code, 0, create.stderr);
        await sim.settle();
        sim.setFaults({ dropStreamAfter: 3 });
        const start = await oet(["procedure", "start", "--pid=1"], env);
        assert.equal(start.code, 0, start.stderr);
        const at = sim.requests.indexOf(put as never);
        assert.ok(at > 0);
        const tokens = bearer(sim);
        assert.ok(tokens.slice(0, at + 1).every((t) => t === first));
        const after = sim.requests.slice(at + 1);
        assert.ok(after.some((q) => q.path.endsWith("/stream")), "a reconnect after the rotation");
        assert.ok(tokens.slice(at + 1).every((t) => t === second), JSON.stringify(after));
      },
      aaa({}, {
        onRequest(record) {
          if (record.method === "PUT" && !put) {
            put = record;
            rotate();
          }
        },
      }),
    );
  });
});

Deno.test("auth e2e: deno task demo -- --auth logs in, runs a procedure, logs out and is refused, under the task's permissions", async () => {
  // The demo task's own command line (deno.json), so its permissions are the task's.
  const task = denoJson.tasks.demo.split(/\s+/);
  assert.deepEqual(task.slice(0, 2), ["deno", "run"]);
  const script = new URL(`../../${task.at(-1)}`, import.meta.url).pathname;
  const r = await runCommand(
    Deno.execPath(),
    [...task.slice(1, -1), script, "--", "--auth", "--step-ms", "5", "--flavor", "v7"],
    { env: { NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost", NO_COLOR: "1" } },
    60_000,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // stdout and stderr are read apart: each line is looked for on its own.
  const out = r.stdout + r.stderr;
  for (
    const step of [
      /^\$ oet auth login$/m,
      /^To sign in, open http:\/\/127\.0\.0\.1:\d+\/issuer\/device\?user_code=/m,
      /^logged in as Ada Lovelace/m,
      /^\$ oet procedure create file:\/\/\/scripts\/hello_world\.py goodbye$/m,
      /^\$ oet procedure start$/m,
      /^- State: COMPLETE$/m,
      /^\$ oet auth status$/m,
      /^authenticated$/m,
      /^\$ oet auth logout$/m,
      /^removed the login for /m,
      /^\$ oet procedure list$/m,
      /^error: not authenticated: no token was sent, and the server asks for one/m,
      /^hint: log in with: oet auth login/m,
      /^\[exit 5, as expected\]$/m,
      /^Demo finished: every command ended as expected\.$/m,
    ]
  ) assert.match(out, step);
  // The demo ends by pointing at the one command it cannot show: the console.
  assert.match(
    r.stdout.trimEnd().split("\n").at(-1) ?? "",
    /^Next: .*`oet console` \(README, "Console"\)/,
  );
  // The user's own OET_* settings are left out of the session, not set empty (which gets a note).
  assert.doesNotMatch(out, /set but empty/);
  const temp = /HOME=(\/\S+)\/home /.exec(out)?.[1];
  assert.ok(temp, "the demo names its temporary directory");
  assert.equal(await Deno.stat(temp).catch(() => undefined), undefined, "and removes it");
});

Deno.test("auth e2e: Ctrl-C while auth login waits for the sign-in: exit 130, nothing saved", async () => {
  await withTemp(async (home) => {
    await withSim("v7", async (sim) => {
      const env = { DENO_DIR, OET_REST_URI: sim.baseUrl, ...sim.issuer!.loginEnv(), HOME: home };
      const child = spawnOet(["auth", "login"], { env });
      const out = child.output();
      try {
        const code = await within(sim.issuer!.waitForCode(), 30_000, "a device code");
        await waitFor(
          () => sim.issuer!.codes()[0].polls >= 1,
          "the first poll",
          30_000,
        );
        assert.equal(code.state, "pending");
        child.kill("SIGINT");
        const r = await within(out, 30_000, "oet auth login to end");
        const stderr = new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 130, stderr);
        assert.match(stderr, new RegExp(`enter the code ${code.userCode}\\n`));
        assert.match(stderr, /^interrupted: the login was not completed; nothing was saved$/m);
        assert.equal(await Deno.stat(`${home}/.config/oet`).catch(() => undefined), undefined);
      } finally {
        try {
          child.kill("SIGKILL");
        } catch {
          // already ended
        }
        await out.catch(() => {});
      }
    }, aaa({ issuer: { pollIntervalS: 1 } }));
  });
});
