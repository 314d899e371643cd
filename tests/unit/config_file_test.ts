import assert from "node:assert/strict";
import { denoAuthFs } from "../../src/auth/fs.ts";
import { loadDotEnv, withDotEnv } from "../../src/config/config.ts";
import {
  type ConfigData,
  configPath,
  type LoadedConfig,
  parseConfig,
  readConfig,
  writeConfig,
} from "../../src/config/file.ts";
import { authEnvFor, resolveTarget, targetRequestTimeout } from "../../src/config/target.ts";
import { UsageError } from "../../src/domain/errors.ts";

Deno.test("config path: OET_CONFIG, else XDG_CONFIG_HOME, else ~/.config; empty OET_CONFIG is a usage error", () => {
  assert.deepEqual(configPath({ OET_CONFIG: "/a/b.toml", XDG_CONFIG_HOME: "/x", HOME: "/h" }), {
    path: "/a/b.toml",
    source: "OET_CONFIG",
  });
  assert.equal(configPath({ XDG_CONFIG_HOME: "/x/", HOME: "/h" })?.path, "/x/oet/config.toml");
  assert.equal(
    configPath({ XDG_CONFIG_HOME: "rel", HOME: "/h" })?.path,
    "/h/.config/oet/config.toml",
  );
  assert.equal(configPath({}), undefined);
  assert.throws(
    () => configPath({ OET_CONFIG: "" }),
    (e) =>
      e instanceof UsageError && /OET_CONFIG in the environment is set but empty/.test(e.message),
  );
});

Deno.test("a missing file is an empty configuration", async () => {
  const c = await readConfig(() => Promise.resolve(undefined), {
    path: "/no/such",
    source: "HOME",
  });
  assert.equal(c.exists, false);
  assert.deepEqual(c.data, { contexts: {} });
});

Deno.test("a malformed file is one usage error naming its line", async () => {
  const cases: [string, RegExp][] = [
    [
      'current-context = "a"\n[contexts.a]\nserver_url = "http://x\n',
      /^\/c\.toml:3: not valid TOML/,
    ],
    [
      '[contexts.a]\nserver_url = "http://x"\nprotected = "yes"\n',
      /^\/c\.toml:3: protected in context a/,
    ],
    [
      '[contexts.a]\nserver_url = "http://x"\n\n[contexts.b]\ntelescope = "Low"\n',
      /^\/c\.toml:4: context b has no server_url/,
    ],
    [
      '[contexts.a]\nserver_url = "http://x"\nservr_url = "y"\n',
      /^\/c\.toml:3: unknown key "servr_url"/,
    ],
    ['colour = "red"\n', /^\/c\.toml:1: unknown key "colour"/],
    ['[contexts."a b"]\nserver_url = "http://x"\n', /^\/c\.toml:1: context name "a b"/],
    [
      '[contexts.a]\nserver_url = "http://x"\nrequest_timeout = "soon"\n',
      /^\/c\.toml:3: request_timeout/,
    ],
  ];
  for (const [text, want] of cases) {
    await assert.rejects(parseConfig(text, "/c.toml"), (e) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, want);
      assert.equal(e.message.includes("\n"), false, "one line");
      return true;
    });
  }
});

Deno.test("the file round-trips, is written atomically under a 0700 directory, and keeps no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/new/oet/config.toml`;
    const data: ConfigData = {
      currentContext: "mid.prod",
      contexts: {
        "mid.prod": {
          server_url: "https://mid/ska-oso-oet/oet/api/v7",
          telescope: "SKA-Mid",
          protected: true,
          request_timeout: "20s",
        },
        low: { server_url: "http://low:5000/api/v1.0", auth_scope: "a b" },
      },
    };
    await writeConfig(denoAuthFs, path, data);
    assert.equal((await Deno.stat(`${dir}/new/oet`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(`${dir}/new/oet`)].map((e) => e.name), ["config.toml"]);
    const back = await readConfig(denoAuthFs.readTextFile, { path, source: "OET_CONFIG" });
    assert.deepEqual(back.data, data);
    assert.deepEqual(Object.keys(back.data.contexts), ["mid.prod", "low"], "order kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function loaded(data: ConfigData): LoadedConfig {
  return { path: "/c.toml", pathSource: "HOME", exists: true, data };
}

const FILE = loaded({
  currentContext: "cur",
  contexts: {
    cur: { server_url: "http://cur:1/api/v1.0", request_timeout: "7s", auth_issuer: "https://i" },
    ctx: { server_url: "http://ctx:2/api/v1.0", telescope: "SKA-Low" },
    prod: { server_url: "http://prod:3/api/v1.0/", protected: true, telescope: "SKA-Mid" },
  },
});

Deno.test("which server: each precedence pair, highest first", async () => {
  const dot = (text: string) => loadDotEnv(() => Promise.resolve(text));
  // [flags, real env, .env text, expected url host, expected context or undefined]
  const cases: [
    { serverUrl?: string; context?: string },
    Record<string, string>,
    string,
    string,
    string | undefined,
  ][] = [
    [
      { serverUrl: "http://flag:9/x" },
      { OET_REST_URI: "http://env:9/x", OET_CONTEXT: "ctx" },
      "",
      "flag",
      undefined,
    ],
    [{ context: "ctx" }, { OET_REST_URI: "http://env:9/x", OET_CONTEXT: "cur" }, "", "ctx", "ctx"],
    [{}, { OET_REST_URI: "http://env:9/x", OET_CONTEXT: "ctx" }, "", "env", undefined],
    [{}, { OET_URL: "http://url:9/x", OET_CONTEXT: "ctx" }, "", "url", undefined],
    [{}, { OET_CONTEXT: "ctx" }, "OET_REST_URI=http://dot:9/x\n", "ctx", "ctx"],
    [{}, {}, "OET_REST_URI=http://dot:9/x\nOET_CONTEXT=ctx\n", "dot", undefined],
    [{}, {}, "OET_CONTEXT=ctx\n", "ctx", "ctx"],
    [{}, {}, "", "cur", "cur"],
  ];
  for (const [flags, real, dotText, host, context] of cases) {
    const { env, fromDotEnv } = withDotEnv(real, await dot(dotText));
    const t = resolveTarget(flags, env, fromDotEnv, FILE);
    const label = JSON.stringify([flags, real, dotText]);
    assert.equal(t.url.hostname, host, label);
    assert.equal(t.context?.name, context, label);
  }
  const none = resolveTarget({}, {}, new Set(), loaded({ contexts: {} }));
  assert.equal(none.urlSource, "the default");
});

Deno.test("--server-url with --context is a usage error; unknown names list the names", () => {
  assert.throws(
    () => resolveTarget({ serverUrl: "http://x", context: "ctx" }, {}, new Set(), FILE),
    (e) => e instanceof UsageError && /cannot be used together/.test(e.message),
  );
  for (const [flags, env] of [[{ context: "nope" }, {}], [{}, { OET_CONTEXT: "nope" }]] as const) {
    assert.throws(() => resolveTarget(flags, env, new Set(), FILE), (e) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /no context named "nope"/);
      assert.equal(e.hint, "the contexts are: cur, ctx, prod (oet context list)");
      return true;
    });
  }
});

Deno.test("a context applies whole or not at all: when a URL wins, none of its settings apply", () => {
  const t = resolveTarget({}, { OET_REST_URI: "http://env:9/x" }, new Set(), FILE);
  assert.equal(t.context, undefined);
  assert.equal(targetRequestTimeout(undefined, {}, new Set(), t).value, 35_000);
  assert.equal(authEnvFor({}, t).env.OET_AUTH_ISSUER, undefined, "cur's issuer is not used");
  const c = resolveTarget({}, {}, new Set(), FILE);
  assert.equal(targetRequestTimeout(undefined, {}, new Set(), c).value, 7_000);
  assert.equal(targetRequestTimeout("3s", {}, new Set(), c).value, 3_000, "flag wins");
  assert.equal(
    targetRequestTimeout(undefined, { OET_REQUEST_TIMEOUT: "4s" }, new Set(), c).value,
    4_000,
    "environment wins over the context",
  );
  assert.equal(authEnvFor({}, c).env.OET_AUTH_ISSUER, "https://i");
  assert.equal(authEnvFor({}, c).labels.OET_AUTH_ISSUER, "auth_issuer of context cur");
  assert.equal(
    authEnvFor({ OET_AUTH_ISSUER: "https://env" }, c).env.OET_AUTH_ISSUER,
    "https://env",
    "OET_AUTH_* win over the context's",
  );
});

Deno.test("protection: by the context in effect, or by a URL equal to a protected context's", () => {
  assert.equal(resolveTarget({ context: "prod" }, {}, new Set(), FILE).protectedBy, "prod");
  const byFlag = resolveTarget({ serverUrl: "http://prod:3/api/v1.0" }, {}, new Set(), FILE);
  assert.equal(byFlag.context, undefined);
  assert.equal(byFlag.protectedBy, "prod", "--server-url cannot slip past it");
  const byEnv = resolveTarget({}, { OET_URL: "http://prod:3/api/v1.0//" }, new Set(), FILE);
  assert.equal(byEnv.protectedBy, "prod");
  assert.equal(resolveTarget({ context: "ctx" }, {}, new Set(), FILE).protectedBy, undefined);
});
