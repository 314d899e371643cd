/**
 * Contexts end to end in-process, against simulators: the `oet context`
 * commands on a real file, which server each command reaches (two contexts
 * on two simulators of different generations), a context applying whole or
 * not at all, the telescope guard (protection by context and by URL match,
 * refusal without a terminal with nothing sent, the typed confirmation),
 * and hints that name the target.
 */

import assert from "node:assert/strict";
import { denoAuthFs } from "../../src/auth/fs.ts";
import type { InStream } from "../../src/render/io.ts";
import { generateSigningKey } from "../../sim/src/jwt.ts";
import type { Simulator } from "../../sim/src/server.ts";
import { startSim } from "../support/sim.ts";
import { linesIn, runOet, type RunOptions, startOet } from "../support/cli.ts";
import { VirtualClock } from "../support/virtual_clock.ts";

const HELLO = "file:///scripts/hello_world.py";

/** A temp directory holding the configuration file, for the length of `fn`. */
async function withConfig<T>(fn: (env: Record<string, string>, path: string) => Promise<T>) {
  const dir = await Deno.makeTempDir({ prefix: "oet-contexts-" });
  try {
    const path = `${dir}/oet/config.toml`;
    return await fn({ XDG_CONFIG_HOME: dir }, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A 7.x simulator and a configuration file, for the length of `fn`. */
async function withSimAndConfig(
  fn: (sim: Simulator, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const sim = startSim({ flavor: "v7", stepMs: 5 });
  try {
    await withConfig((env) => fn(sim, env));
  } finally {
    await sim.close();
  }
}

/** oet with the real file system (the configuration file under XDG_CONFIG_HOME). */
function oet(args: string[], o: RunOptions = {}) {
  return runOet(args, { fs: denoAuthFs, ...o });
}

async function ok(args: string[], o: RunOptions) {
  const r = await oet(args, o);
  assert.equal(r.code, 0, `oet ${args.join(" ")}: ${r.stderr}`);
  return r;
}

Deno.test("context commands: add, list (-o json), use, show, rename, set, remove on a real file", async () => {
  await withConfig(async (env, path) => {
    const empty = await ok(["context", "list", "-o", "json"], { env });
    assert.equal(empty.stdout, "[]\n");
    assert.match(empty.stderr, /no contexts yet \(no file at .*config\.toml\)/);
    await ok([
      "context",
      "add",
      "mid",
      "--server-url",
      "http://mid.example:5000/api/v1.0/",
      "--telescope",
      "SKA-Mid",
      "--protected",
    ], { env });
    await ok(["context", "add", "low", "--server-url", "http://low.example/api/v7"], { env });
    const dup = await oet(["context", "add", "low", "--server-url", "http://x"], { env });
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /context low already exists/);
    const bad = await oet(["context", "add", "a/b", "--server-url", "http://x"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid context name "a\/b"/);

    const list = await ok(["context", "list"], { env });
    assert.equal(
      list.stdout,
      `Current    Name    Telescope    Server                            Protected
---------  ------  -----------  --------------------------------  -----------
*          mid     SKA-Mid      http://mid.example:5000/api/v1.0  yes
           low                  http://low.example/api/v7
`,
    );
    const json = JSON.parse((await ok(["context", "list", "-o", "json"], { env })).stdout);
    assert.deepEqual(
      json.map((c: Record<string, unknown>) => [c.name, c.server_url, c.protected, c.current]),
      [["mid", "http://mid.example:5000/api/v1.0", true, true], [
        "low",
        "http://low.example/api/v7",
        false,
        false,
      ]],
    );

    const unknown = await oet(["context", "use", "lo"], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no context named "lo"/);
    assert.match(unknown.stderr, /the contexts are: mid, low/);
    await ok(["context", "use", "low"], { env });
    const overridden = await ok(["context", "use", "low"], {
      env: { ...env, OET_REST_URI: "http://x:1/api/v1.0" },
    });
    assert.match(overridden.stderr, /note: OET_REST_URI in the environment wins/);

    const show = JSON.parse((await ok(["context", "show", "-o", "json"], { env })).stdout);
    assert.equal(show.name, "low");
    assert.equal(show.current, true);
    assert.match(show.source, /^current-context in /);
    const viaFlag = JSON.parse(
      (await ok(["--context", "mid", "context", "show", "-o", "json"], { env })).stdout,
    );
    assert.deepEqual([viaFlag.name, viaFlag.source, viaFlag.telescope], [
      "mid",
      "--context",
      "SKA-Mid",
    ]);

    await ok(["context", "rename", "low", "low-itf"], { env });
    await ok(["context", "set", "mid", "--no-protected", "--yes", "--request-timeout", "9s"], {
      env,
    });
    const text = await Deno.readTextFile(path);
    assert.match(text, /current-context = "low-itf"/);
    assert.doesNotMatch(text, /protected/);
    assert.match(text, /request_timeout = "9s"/);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

    await ok(["context", "remove", "low-itf"], { env });
    const after = JSON.parse((await ok(["context", "list", "-o", "json"], { env })).stdout);
    assert.deepEqual(after.map((c: { name: string; current: boolean }) => [c.name, c.current]), [[
      "mid",
      false,
    ]]);
    assert.doesNotMatch(await Deno.readTextFile(path), /current-context/);
  });
});

Deno.test("context add --from-env takes the server and login from the real environment only", async () => {
  await withConfig(async (env) => {
    const none = await oet(["context", "add", "x"], { env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs --server-url URL \(or --from-env\)/);
    // Without --from-env, the environment is not read.
    const ignored = await oet(["context", "add", "x"], {
      env: { ...env, OET_REST_URI: "http://env:1/api/v1.0" },
    });
    assert.equal(ignored.code, 2);
    await ok(["context", "add", "x", "--from-env"], {
      env: {
        ...env,
        OET_URL: "http://env:1/ska-oso-oet/oet/api/v7",
        OET_AUTH_ISSUER: "https://issuer.example/v2.0",
        OET_AUTH_CLIENT_ID: "cid",
        OET_AUTH_SCOPE: "api://x/.default",
      },
    });
    const c = JSON.parse((await ok(["context", "show", "x", "-o", "json"], { env })).stdout);
    assert.deepEqual(
      [c.server_url, c.auth_issuer, c.auth_client_id, c.auth_scope],
      [
        "http://env:1/ska-oso-oet/oet/api/v7",
        "https://issuer.example/v2.0",
        "cid",
        "api://x/.default",
      ],
    );
    // .env is not the real environment.
    const dot = await oet(["context", "add", "y", "--from-env"], {
      env,
      files: { ".env": "OET_REST_URI=http://dot:1/api/v1.0\n" },
    });
    assert.equal(dot.code, 2);
    assert.match(dot.stderr, /neither OET_REST_URI nor OET_URL is set in the environment/);
  });
});

Deno.test("a malformed file: one error with its line, exit 2, never overwritten", async () => {
  await withConfig(async (env, path) => {
    await Deno.mkdir(path.replace(/\/[^/]+$/, ""), { recursive: true });
    const text = '# mine\n[contexts.a]\nserver_url = "http://a:1/api/v1.0"\nprotected = yes\n';
    await Deno.writeTextFile(path, text);
    for (
      const args of [
        ["procedure", "list"],
        ["context", "list"],
        ["context", "add", "b", "--server-url", "http://b:1/api/v1.0"],
        ["context", "use", "a"],
      ]
    ) {
      const r = await oet(args, { env });
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^error: .*config\.toml:4: not valid TOML/);
      assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("error:")).length, 1);
    }
    assert.equal(await Deno.readTextFile(path), text, "the file is untouched");
  });
});

Deno.test("two contexts on two simulators of different generations: each command reaches its context's server", async () => {
  const v5 = startSim({ flavor: "v5", stepMs: 5 });
  const v7 = startSim({ flavor: "v7", stepMs: 5 });
  try {
    await withConfig(async (env) => {
      await ok(["context", "add", "five", "--server-url", v5.baseUrl], { env });
      await ok(["context", "add", "seven", "--server-url", v7.baseUrl], { env });
      // The first context added is current.
      await ok(["procedure", "create", HELLO], { env });
      assert.equal(v5.requests.filter((q) => q.method === "POST").length, 1);
      assert.equal(v7.requests.length, 0);
      await ok(["--context", "seven", "procedure", "create", HELLO], { env });
      await ok(["procedure", "list", "--context=seven"], { env });
      assert.equal(v7.requests.filter((q) => q.method === "POST").length, 1);
      await ok(["procedure", "list"], { env: { ...env, OET_CONTEXT: "seven" } });
      const v7Lists = v7.requests.filter((q) => q.method === "GET").length;
      assert.ok(v7Lists >= 2);
      // .env's OET_CONTEXT beats the current context; the real OET_REST_URI beats both.
      await ok(["procedure", "list"], { env, files: { ".env": "OET_CONTEXT=seven\n" } });
      assert.equal(v7.requests.filter((q) => q.method === "GET").length, v7Lists + 1);
      const before5 = v5.requests.length;
      await ok(["procedure", "list"], {
        env: { ...env, OET_REST_URI: v5.baseUrl, OET_CONTEXT: "seven" },
      });
      assert.equal(v5.requests.length, before5 + 1);
      assert.equal(v7.requests.filter((q) => q.method === "GET").length, v7Lists + 1);
      const both = await oet([
        "--context",
        "seven",
        "--server-url",
        v5.baseUrl,
        "procedure",
        "list",
      ], {
        env,
      });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /--server-url and --context cannot be used together/);
    });
  } finally {
    await v5.close();
    await v7.close();
  }
});

Deno.test("a context applies whole or not at all: a URL that wins gets none of its settings (no login sent)", async () => {
  await withSimAndConfig(async (sim, env) => {
    // The context's login would need a token from its issuer: were it applied, the request
    // would fail (not logged in, exit 5) instead of reaching the server without a header.
    await ok([
      "context",
      "add",
      "aaa",
      "--server-url",
      "http://127.0.0.1:9/api/v1.0",
      "--auth-issuer",
      "https://issuer.example/v2.0",
      "--auth-client-id",
      "cid",
      "--auth-scope",
      "api://x/.default",
      "--request-timeout",
      "1ms",
    ], { env });
    const r = await ok(["procedure", "list"], { env: { ...env, OET_REST_URI: sim.baseUrl } });
    assert.match(r.stdout + r.stderr, /no procedures yet|ID/);
    assert.ok(sim.requests.length > 0);
    assert.ok(sim.requests.every((q) => q.authorization === null));
    // auth status says which login is in effect: the context's, or none when a URL wins.
    const inEffect = JSON.parse((await oet(["auth", "status", "-o", "json"], { env })).stdout);
    assert.equal(inEffect.login?.issuer, "https://issuer.example/v2.0");
    assert.equal(inEffect.state, "not-logged-in");
    const won = JSON.parse(
      (await oet(["auth", "status", "-o", "json"], {
        env: { ...env, OET_REST_URI: sim.baseUrl },
      }))
        .stdout,
    );
    assert.equal(won.state, "none");
    assert.equal(won.login, null);
  });
});

/** Adds a protected context `prod` for `url` and an unprotected `itf`. */
async function protectedSetUp(env: Record<string, string>, url: string) {
  await ok(["context", "add", "itf", "--server-url", "http://127.0.0.1:9/api/v1.0"], { env });
  await ok([
    "context",
    "add",
    "prod",
    "--server-url",
    url,
    "--telescope",
    "SKA-Mid",
    "--protected",
  ], { env });
}

Deno.test("protected: without a terminal every changing command is refused, exit 2, nothing sent; --yes goes; reads never ask", async () => {
  await withSimAndConfig(async (sim, env) => {
    await protectedSetUp(env, sim.baseUrl);
    const changing = [
      ["procedure", "create", HELLO],
      ["procedure", "start", "--pid", "1"],
      ["procedure", "stop", "--pid", "1"],
      ["activity", "run", "observe", "sbd-t0001-20250403-00001"],
    ];
    // By context, and by URL match whichever way the URL is given.
    const ways: [string[], Record<string, string>][] = [
      [["--context", "prod"], {}],
      [[], { OET_CONTEXT: "prod" }],
      [["--server-url", `${sim.baseUrl}/`], {}],
      [[], { OET_REST_URI: sim.baseUrl }],
    ];
    for (const [lead, more] of ways) {
      for (const args of changing) {
        // stdin a terminal but stderr not, or the other way round: not "at a terminal".
        for (const o of [{}, { stdin: linesIn(["prod"]) }, { stderrTty: true }]) {
          const r = await oet([...lead, ...args], { env: { ...env, ...more }, ...o });
          const what = `${lead.join(" ")} ${JSON.stringify(more)} ${args.join(" ")}`;
          assert.equal(r.code, 2, `${what}: ${r.stderr}`);
          assert.match(
            r.stderr,
            /context prod is protected: .* needs --yes when oet is not at a terminal/,
          );
          assert.match(r.stderr, /hint: nothing was sent/);
        }
      }
    }
    assert.equal(sim.requests.length, 0, "nothing reached the server");
    for (const args of [["procedure", "list"], ["activity", "list"], ["status"]]) {
      await ok(["--context", "prod", ...args], { env });
    }
    const created = await ok(["--context", "prod", "procedure", "create", HELLO, "--yes"], {
      env,
    });
    assert.equal(created.stderr, "", "no line when stderr is not a terminal");
    assert.equal(sim.requests.filter((q) => q.method === "POST").length, 1);
    // Unprotected: no question, no refusal.
    const itf = await oet(["--context", "itf", "procedure", "list", "--request-timeout", "1s"], {
      env,
    });
    assert.equal(itf.code, 4, "itf points at a closed port");
  });
});

/** Standard input that never answers until the command is interrupted. */
function silentTerminal(): InStream {
  return {
    isTerminal: true,
    readLine: (signal) =>
      new Promise((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
  };
}

Deno.test("the typed confirmation at a terminal: right name, wrong name, end of input, Ctrl-C", async () => {
  await withSimAndConfig(async (sim, env) => {
    await protectedSetUp(env, sim.baseUrl);
    const at = (stdin: InStream): RunOptions => ({
      env: { ...env, OET_CONTEXT: "prod" },
      stdin,
      stderrTty: true,
    });
    const wrong = await oet(["procedure", "create", HELLO], at(linesIn(["itf"])));
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      "procedure create on SKA-Mid (context prod, protected)\n" +
        "context prod is protected. Type its name to procedure create: " +
        'error: not confirmed: "itf" is not prod; nothing was sent\n',
    );
    const eof = await oet(["procedure", "create", HELLO], at(linesIn([])));
    assert.equal(eof.code, 1);
    assert.match(eof.stderr, /error: not confirmed \(end of input\): nothing was sent/);
    const running = startOet(["procedure", "create", HELLO], {
      fs: denoAuthFs,
      ...at(silentTerminal()),
    });
    await running.untilErr(/Type its name to procedure create: $/);
    const ctrlC = await running.interrupt();
    assert.equal(ctrlC.code, 130);
    assert.match(ctrlC.stderr, /interrupted: not confirmed, nothing was sent/);
    assert.equal(sim.requests.length, 0, "nothing was sent");

    const right = await oet(["procedure", "create", HELLO, "-o", "id"], at(linesIn(["prod"])));
    assert.equal(right.code, 0, right.stderr);
    assert.equal(right.stdout, "1\n");
    assert.equal(sim.requests.filter((q) => q.method === "POST").length, 1);
    // --yes: the line, no question.
    const stdin = linesIn([]);
    const yes = await oet(["procedure", "create", HELLO, "--yes", "-o", "id"], at(stdin));
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(stdin.asked, 0);
    assert.equal(yes.stderr, "procedure create on SKA-Mid (context prod, protected)\n");
    // Unprotected at a terminal: the line names the host, no question.
    const plain = await oet(["procedure", "create", HELLO, "-o", "id"], {
      env: { ...env, OET_REST_URI: "http://127.0.0.1:9/api/v1.0" },
      stdin,
      stderrTty: true,
      files: {},
    }).catch((e) => e);
    assert.equal(plain.code, 4);
    assert.match(
      plain.stderr,
      /^procedure create on 127\.0\.0\.1:9 \(OET_REST_URI in the environment wins over the current context itf\)\n/,
    );
    assert.equal(stdin.asked, 0);
  });
});

Deno.test("removing a protected context confirms like a changing command", async () => {
  await withConfig(async (env) => {
    await protectedSetUp(env, "http://127.0.0.1:8/api/v1.0");
    const refused = await oet(["context", "remove", "prod"], { env });
    assert.equal(refused.code, 2);
    const wrong = await oet(["context", "remove", "prod"], {
      env,
      stdin: linesIn(["itf"]),
      stderrTty: true,
    });
    assert.equal(wrong.code, 1);
    await ok(["context", "remove", "prod"], { env, stdin: linesIn(["prod"]), stderrTty: true });
    await ok(["context", "remove", "itf"], { env });
  });
});

/** Whether context `name` is protected, as `context list -o json` says. */
async function isProtected(env: Record<string, string>, name: string): Promise<boolean> {
  const list = JSON.parse((await ok(["context", "list", "-o", "json"], { env })).stdout);
  return list.find((c: { name: string }) => c.name === name).protected;
}

Deno.test("set --protected=False, --protected false and --no-protected all lift the protection", async () => {
  await withConfig(async (env) => {
    for (
      const lift of [["--protected=False"], ["--protected=false"], ["--protected", "False"], [
        "--no-protected",
      ]]
    ) {
      await protectedSetUp(env, "http://127.0.0.1:8/api/v1.0");
      assert.equal(await isProtected(env, "prod"), true);
      await ok(["context", "set", "prod", ...lift, "--yes"], { env });
      assert.equal(await isProtected(env, "prod"), false, lift.join(" "));
      // Setting another value leaves the (lifted) protection as it is.
      await ok(["context", "set", "prod", "--telescope", "Mid"], { env });
      assert.equal(await isProtected(env, "prod"), false);
      await ok(["context", "remove", "prod"], { env });
      await ok(["context", "remove", "itf"], { env });
    }
    await protectedSetUp(env, "http://127.0.0.1:8/api/v1.0");
    // --protected=True is --protected; =True with --no-protected is a contradiction.
    await ok(["context", "set", "itf", "--protected=True"], { env });
    assert.equal(await isProtected(env, "itf"), true);
    const both = await oet(["context", "set", "itf", "--protected", "--no-protected"], { env });
    assert.equal(both.code, 2, both.stderr);
    assert.equal(await isProtected(env, "itf"), true);
  });
});

Deno.test("lifting a context's protection confirms like removing it; nothing changes when refused", async () => {
  await withConfig(async (env, path) => {
    await protectedSetUp(env, "http://127.0.0.1:8/api/v1.0");
    const before = await Deno.readTextFile(path);
    for (const lift of ["--no-protected", "--protected=False"]) {
      const refused = await oet(["context", "set", "prod", lift], { env });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /context prod is protected: lift its protection needs --yes/);
      const wrong = await oet(["context", "set", "prod", lift], {
        env,
        stdin: linesIn(["itf"]),
        stderrTty: true,
      });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /Type its name to lift its protection: /);
      const eof = await oet(["context", "set", "prod", lift], {
        env,
        stdin: linesIn([]),
        stderrTty: true,
      });
      assert.equal(eof.code, 1);
      assert.equal(await Deno.readTextFile(path), before, "refused: the file is not touched");
    }
    await ok(["context", "set", "prod", "--no-protected"], {
      env,
      stdin: linesIn(["prod"]),
      stderrTty: true,
    });
    assert.equal(await isProtected(env, "prod"), false);
    // Lifting what is not protected asks nothing; neither does protecting.
    await ok(["context", "set", "prod", "--no-protected"], { env });
    await ok(["context", "set", "prod", "--protected"], { env });
    await ok(["context", "set", "prod", "--protected=False", "--yes"], { env });
    assert.equal(await isProtected(env, "prod"), false);
  });
});

Deno.test("--context and --yes join the near-miss guard of create and start", async () => {
  for (const word of ["--contxt=prod", "--yess", "--cotext", "--ye"]) {
    for (const verb of ["create", "start"]) {
      const args = verb === "create" ? ["procedure", verb, HELLO, word] : ["procedure", verb, word];
      const r = await runOet(args, { env: { OET_REST_URI: "http://127.0.0.1:9/api/v1.0" } });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /did you mean --(context|yes)\?/);
    }
  }
});

Deno.test("hints name the target: --context when it is not the current one, --server-url when a URL wins over it", async () => {
  await withSimAndConfig(async (sim, env) => {
    await ok(["context", "add", "itf", "--server-url", "http://127.0.0.1:9/api/v1.0"], { env });
    await ok(["context", "add", "sim", "--server-url", sim.baseUrl], { env });
    // A failure's hint, and a detach's, carry --context sim.
    await ok(["--context", "sim", "procedure", "create", "file:///scripts/fail.py"], { env });
    await sim.settle();
    const failed = await oet(["--context", "sim", "procedure", "start", "--pid", "1"], { env });
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(
      failed.stderr,
      /hint: see why with: oet procedure describe --pid 1 --context sim\n/,
    );
    await ok(["procedure", "create", HELLO], { env: { ...env, OET_CONTEXT: "sim" } });
    await sim.settle();
    const detached = await oet(["procedure", "start", "--pid", "2", "--listen=False"], {
      env: { ...env, OET_CONTEXT: "sim" },
      tty: true,
    });
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(
      detached.stderr,
      /follow it with: oet procedure wait --pid 2 --context sim\n/,
    );
    // A URL that wins over the current context: --server-url URL.
    await ok(["--context", "sim", "procedure", "wait", "--pid", "2"], { env });
    await ok(["procedure", "create", HELLO], { env: { ...env, OET_CONTEXT: "sim" } });
    await sim.settle();
    const byUrl = await oet(["procedure", "start", "--pid", "3", "--listen=False"], {
      env: { ...env, OET_REST_URI: sim.baseUrl },
      tty: true,
    });
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.ok(
      byUrl.stderr.includes(
        `follow it with: oet procedure wait --pid 3 --server-url ${sim.baseUrl}\n`,
      ),
      byUrl.stderr,
    );
    // The current context: nothing added.
    await ok(["context", "use", "sim"], { env });
    const current = await oet(["procedure", "describe", "--pid", "1"], { env });
    assert.equal(current.code, 0, current.stderr);
    const again = await oet(["procedure", "start", "--pid", "1"], { env });
    assert.match(again.stderr, /hint: see its history with: oet procedure describe --pid 1\n/);
  });
});

Deno.test("status, doctor and context show say which context is in effect and why (text and -o json)", async () => {
  await withSimAndConfig(async (sim, env) => {
    await ok([
      "context",
      "add",
      "mid",
      "--server-url",
      sim.baseUrl,
      "--telescope",
      "SKA-Mid",
      "--protected",
    ], { env });
    const json = JSON.parse((await ok(["status", "-o", "json"], { env })).stdout);
    assert.deepEqual([json.context, json.telescope, json.protected], ["mid", "SKA-Mid", true]);
    assert.match(json.source, /^current-context in .*config\.toml$/);
    const text = (await ok(["status"], { env })).stdout;
    assert.match(text, /^Context: +mid \(SKA-Mid, protected\), from current-context in /m);
    const byEnv = JSON.parse(
      (await ok(["status", "-o", "json"], { env: { ...env, OET_REST_URI: sim.baseUrl } })).stdout,
    );
    assert.deepEqual([byEnv.context, byEnv.protected, byEnv.source], [
      null,
      true,
      "OET_REST_URI in the environment",
    ]);
    const overridden = (await ok(["status"], { env: { ...env, OET_REST_URI: sim.baseUrl } }))
      .stdout;
    assert.match(
      overridden,
      /^Context: +none: OET_REST_URI in the environment wins over the current context mid/m,
    );
    const doctor = await oet(["doctor", "-o", "json"], { env });
    const d = JSON.parse(doctor.stdout);
    assert.deepEqual([d.context, d.telescope, d.protected], ["mid", "SKA-Mid", true]);
    const doctorText = await oet(["doctor"], { env });
    assert.match(
      doctorText.stdout,
      /configuration .*; context mid \(SKA-Mid, protected\), from current-context in /,
    );
  });
});

Deno.test("auth per context against the simulator's issuer: login, status, token, logout follow the context; the same (issuer, client id, scope) shares one login", async () => {
  const keyPair = await generateSigningKey();
  const sim = startSim({
    flavor: "v7",
    stepMs: 5,
    auth: { keyPair, issuer: { autoApprove: 0 } },
  });
  try {
    await withConfig(async (env) => {
      const login = sim.issuer!.loginEnv();
      const add = (name: string, url: string, scope: string) =>
        ok([
          "context",
          "add",
          name,
          "--server-url",
          url,
          "--auth-issuer",
          login.OET_AUTH_ISSUER,
          "--auth-client-id",
          login.OET_AUTH_CLIENT_ID,
          "--auth-scope",
          scope,
        ], { env });
      const [audience, offline] = login.OET_AUTH_SCOPE.split(" ");
      await add("mid", sim.baseUrl, login.OET_AUTH_SCOPE);
      // The same login, spelled differently: one cache entry.
      await add("mid-again", `${sim.baseUrl}/`, `${offline} ${audience}`);
      // Another scope: another login.
      await add("mid-narrow", sim.baseUrl, audience);
      const list = async (context: string) => {
        const n = sim.requests.length;
        const r = await oet(["--context", context, "procedure", "list"], { env });
        return { code: r.code, sent: sim.requests.slice(n).map((q) => q.authorization) };
      };
      const before = await list("mid");
      assert.equal(before.code, 5);
      assert.deepEqual(before.sent, [null], "no login yet: no header");

      const r = await oet(["--context", "mid", "auth", "login"], {
        env,
        clock: new VirtualClock(Date.now()),
      });
      assert.equal(r.code, 0, r.stderr);
      const logged = await list("mid");
      assert.equal(logged.code, 0);
      assert.match(logged.sent[0] ?? "", /^Bearer \S+$/);
      const shared = await list("mid-again");
      assert.equal(shared.code, 0, "the same triple shares the login");
      assert.deepEqual(shared.sent, logged.sent);
      assert.equal((await list("mid-narrow")).code, 5, "another scope is another login");

      const status = JSON.parse(
        (await oet(["--context", "mid", "auth", "status", "-o", "json"], { env })).stdout,
      );
      assert.equal(status.authenticated, true);
      assert.equal(status.login.issuer, login.OET_AUTH_ISSUER.replace(/\/+$/, ""));
      const token = await ok(["--context", "mid-again", "auth", "token"], { env });
      assert.equal(`Bearer ${token.stdout.trim()}`, logged.sent[0]);

      await ok(["--context", "mid", "auth", "logout"], { env });
      assert.equal((await list("mid-again")).code, 5, "logged out of the shared login");
    });
  } finally {
    await sim.close();
  }
});
