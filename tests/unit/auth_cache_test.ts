import assert from "node:assert/strict";
import { type CacheEntry, cacheKey, cachePath, TokenCache } from "../../src/auth/cache.ts";
import { denoAuthFs } from "../../src/auth/fs.ts";
import { AuthError, OetError } from "../../src/domain/errors.ts";
import { MemoryFs } from "../support/auth_fakes.ts";

const ISSUER = "https://login.microsoftonline.com/tenant/v2.0";
const SCOPE = "api://oet/.default offline_access";

function entry(extra: Partial<CacheEntry> = {}): CacheEntry {
  return {
    ...cacheKey(ISSUER, "client-1", SCOPE),
    accessToken: "access-token-aaaaaaaaaaaa",
    refreshToken: "refresh-token-rrrrrrrrrrrr",
    expiresAt: 1764450000,
    obtainedAt: 1764446400,
    ...extra,
  };
}

/** A temp dir holding `home/`, removed afterwards. */
async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "oet-auth-cache-" });
  try {
    await Deno.mkdir(`${dir}/home`);
    await fn(`${dir}/home`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function mode(info: Deno.FileInfo): number {
  return info.mode! & 0o777;
}

Deno.test("cache path: XDG_CONFIG_HOME, else HOME/.config; relative values ignored", () => {
  assert.equal(
    cachePath({ XDG_CONFIG_HOME: "/x/cfg/", HOME: "/home/ada" }),
    "/x/cfg/oet/tokens.json",
  );
  assert.equal(cachePath({ HOME: "/home/ada/" }), "/home/ada/.config/oet/tokens.json");
  assert.equal(
    cachePath({ XDG_CONFIG_HOME: "relative/cfg", HOME: "/home/ada" }),
    "/home/ada/.config/oet/tokens.json",
  );
  assert.equal(cachePath({ XDG_CONFIG_HOME: "", HOME: "/h" }), "/h/.config/oet/tokens.json");
  assert.throws(() => cachePath({}), (e: unknown) => {
    assert.ok(e instanceof OetError);
    assert.match(e.message, /neither HOME nor XDG_CONFIG_HOME/);
    return true;
  });
  assert.throws(() => cachePath({ HOME: "home" }), OetError);
});

Deno.test("cache key: issuer slash, client blanks, scope order and spacing do not matter", () => {
  assert.deepEqual(cacheKey(`${ISSUER}/`, " client-1 ", "offline_access   api://oet/.default"), {
    issuer: ISSUER,
    clientId: "client-1",
    scope: "api://oet/.default offline_access",
  });
});

Deno.test("real files: directory 0700, file 0600, entries round-trip", async () => {
  await withHome(async (home) => {
    const cache = new TokenCache(cachePath({ HOME: home }), denoAuthFs);
    assert.equal(await cache.get(cacheKey(ISSUER, "client-1", SCOPE)), undefined);
    await cache.put(entry());
    assert.equal(mode(await Deno.stat(`${home}/.config/oet`)), 0o700);
    assert.equal(mode(await Deno.stat(`${home}/.config/oet/tokens.json`)), 0o600);
    assert.deepEqual(
      await cache.get(cacheKey(`${ISSUER}/`, "client-1", "offline_access api://oet/.default")),
      entry(),
    );
    // A second login (another scope) is a second entry; the same key replaces.
    await cache.put(entry({ scope: "other", accessToken: "second-access-token-xx" }));
    await cache.put(entry({ accessToken: "replaced-access-token-x" }));
    const all = await cache.list();
    assert.equal(all.length, 2);
    assert.equal(
      (await cache.get(cacheKey(ISSUER, "client-1", SCOPE)))?.accessToken,
      "replaced-access-token-x",
    );
    // The summaries hold no secrets.
    assert.ok(!JSON.stringify(all).includes("token-"));
    assert.deepEqual(Object.keys(all[0]).sort(), [
      "clientId",
      "expiresAt",
      "hasRefreshToken",
      "issuer",
      "obtainedAt",
      "scope",
    ]);
    // The file is replaced, never rewritten in place, and no temp file is left.
    assert.deepEqual([...Deno.readDirSync(`${home}/.config/oet`)].map((e) => e.name), [
      "tokens.json",
    ]);
  });
});

Deno.test("real files: a rewrite replaces the file (new inode), so a reader never sees half", async () => {
  await withHome(async (home) => {
    const path = cachePath({ HOME: home });
    const cache = new TokenCache(path, denoAuthFs);
    await cache.put(entry());
    const before = await Deno.stat(path);
    // Hold the old file open, as a concurrent reader would.
    using old = await Deno.open(path);
    await cache.put(entry({ accessToken: "new-access-token-yyyyy" }));
    const after = await Deno.stat(path);
    assert.notEqual(after.ino, before.ino);
    // The reader's file is still the complete old one.
    const text = new TextDecoder().decode(await new Response(old.readable).bytes());
    assert.equal(JSON.parse(text).entries[0].accessToken, "access-token-aaaaaaaaaaaa");
    assert.equal(mode(after), 0o600);
  });
});

Deno.test("real files: a cache others can read is refused, naming the path and the fix", async () => {
  await withHome(async (home) => {
    const path = cachePath({ HOME: home });
    const cache = new TokenCache(path, denoAuthFs);
    await cache.put(entry());
    await Deno.chmod(path, 0o644);
    const key = cacheKey(ISSUER, "client-1", SCOPE);
    await assert.rejects(() => cache.get(key), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.failure, "login");
      assert.equal(
        e.message,
        `the token cache ${path} is open to other users (mode 0644), so oet will not use it`,
      );
      assert.equal(
        e.hint,
        `make it private: chmod 600 ${path}; then log in again if others may have read it`,
      );
      return true;
    });
    // Writing (a renewal, a login) is refused too: the old file stays as it was.
    await assert.rejects(() => cache.put(entry()), AuthError);
    await assert.rejects(() => cache.assertPrivate(), AuthError);
    await Deno.chmod(path, 0o600);
    await Deno.chmod(`${home}/.config/oet`, 0o755);
    await assert.rejects(() => cache.get(key), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.match(
        e.message,
        /^the token cache directory .*\/oet is open to other users \(mode 0755\)/,
      );
      assert.match(e.hint!, /chmod 700 .*\/\.config\/oet;/);
      return true;
    });
    await assert.rejects(() => cache.put(entry()), /directory .* is open to other users/);
    // Group-writable only is refused as well (as ssh does).
    await Deno.chmod(`${home}/.config/oet`, 0o700);
    await Deno.chmod(path, 0o620);
    await assert.rejects(() => cache.get(key), /mode 0620/);
    // Logout still removes it.
    const removed = await cache.removeAll();
    assert.equal(removed.fileRemoved, true);
    assert.deepEqual(removed.entries, []);
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("real files: remove one entry, then the last removes the file; removeAll reports", async () => {
  await withHome(async (home) => {
    const path = cachePath({ XDG_CONFIG_HOME: `${home}/cfg` });
    assert.equal(path, `${home}/cfg/oet/tokens.json`);
    const cache = new TokenCache(path, denoAuthFs);
    assert.deepEqual(await cache.removeAll(), { path, entries: [], fileRemoved: false });
    await cache.put(entry());
    await cache.put(entry({ scope: "other" }));
    const gone = await cache.remove(cacheKey(ISSUER, "client-1", "other"));
    assert.equal(gone?.scope, "other");
    assert.equal(gone?.hasRefreshToken, true);
    assert.equal(await cache.remove(cacheKey(ISSUER, "client-1", "other")), undefined);
    assert.equal((await cache.list()).length, 1);
    await cache.remove(cacheKey(ISSUER, "client-1", SCOPE));
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    await cache.put(entry());
    const all = await cache.removeAll();
    assert.equal(all.entries.length, 1);
    assert.equal(all.fileRemoved, true);
  });
});

Deno.test("real files: a damaged cache is named; login replaces it; logout removes it", async () => {
  await withHome(async (home) => {
    const path = cachePath({ HOME: home });
    await Deno.mkdir(`${home}/.config/oet`, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(path, "{not json", { mode: 0o600 });
    const cache = new TokenCache(path, denoAuthFs);
    await assert.rejects(() => cache.get(cacheKey(ISSUER, "client-1", SCOPE)), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.message, `the token cache ${path} is damaged (not a cache oet wrote)`);
      assert.match(e.hint!, /oet auth logout/);
      return true;
    });
    await cache.put(entry());
    assert.equal((await cache.list()).length, 1);
    await Deno.writeTextFile(path, JSON.stringify({ version: 1, entries: [{ issuer: 3 }, null] }));
    assert.deepEqual(await cache.list(), []); // entries of another shape are dropped
    await Deno.writeTextFile(path, "[]");
    assert.deepEqual((await cache.removeAll()).fileRemoved, true);
  });
});

Deno.test("real files: a directory that cannot be written gives a clear error, no temp left", async () => {
  await withHome(async (home) => {
    const path = cachePath({ HOME: home });
    await Deno.mkdir(`${home}/.config/oet`, { recursive: true, mode: 0o700 });
    await Deno.chmod(`${home}/.config/oet`, 0o500);
    try {
      // Root writes anywhere: simulate the same refusal with a file where the directory should be.
      const probe = `${home}/.config/oet/probe`;
      if (await Deno.writeTextFile(probe, "").then(() => true, () => false)) {
        await Deno.remove(probe);
        await Deno.chmod(`${home}/.config/oet`, 0o700);
        await Deno.remove(`${home}/.config/oet`);
        await Deno.writeTextFile(`${home}/.config/oet`, "a file, not a directory");
        const cache = new TokenCache(path, denoAuthFs);
        await assert.rejects(() => cache.put(entry()), (e: unknown) => {
          assert.ok(e instanceof OetError);
          assert.match(e.message, new RegExp(`^cannot save the login in ${path}: `));
          assert.match(e.hint!, /is a directory you can write/);
          return true;
        });
        return;
      }
      const cache = new TokenCache(path, denoAuthFs);
      await assert.rejects(() => cache.put(entry()), (e: unknown) => {
        assert.ok(e instanceof OetError);
        assert.equal(e.message, `cannot save the login in ${path}: permission denied`);
        return true;
      });
    } finally {
      if ((await Deno.stat(`${home}/.config/oet`)).isDirectory) {
        await Deno.chmod(`${home}/.config/oet`, 0o700);
      }
    }
  });
});

Deno.test("fake fs: the secret is only ever written to a new 0600 temp file, then renamed", async () => {
  const fs = new MemoryFs();
  const cache = new TokenCache("/home/ada/.config/oet/tokens.json", fs);
  await cache.put(entry());
  await cache.put(entry({ accessToken: "second-access-token-zz" }));
  const writes = fs.calls.filter((c) => c.op === "writeTextFile");
  assert.equal(writes.length, 2);
  for (const w of writes) {
    assert.match(w.path, /^\/home\/ada\/\.config\/oet\/\.tokens\.json\.[0-9a-f]{12}\.tmp$/);
    assert.equal(w.mode, 0o600);
  }
  assert.notEqual(writes[0].path, writes[1].path);
  assert.deepEqual(fs.calls.filter((c) => c.op === "mkdir"), [
    { op: "mkdir", path: "/home/ada/.config/oet", mode: 0o700 },
    { op: "mkdir", path: "/home/ada/.config/oet", mode: 0o700 },
  ]);
  assert.deepEqual([...fs.files.keys()], ["/home/ada/.config/oet/tokens.json"]);
});

Deno.test("fake fs: a failed rename leaves the old cache and no temp file", async () => {
  const fs = new MemoryFs();
  const cache = new TokenCache("/h/.config/oet/tokens.json", fs);
  await cache.put(entry());
  const before = fs.files.get("/h/.config/oet/tokens.json")!.data;
  fs.fail.rename = new Error("disk full");
  await assert.rejects(() => cache.put(entry({ accessToken: "new-one-xxxxxxxxxxxx" })), (e) => {
    assert.ok(e instanceof OetError);
    assert.equal(e.message, "cannot save the login in /h/.config/oet/tokens.json: disk full");
    assert.match(e.hint!, /XDG_CONFIG_HOME/);
    return true;
  });
  assert.deepEqual([...fs.files.keys()], ["/h/.config/oet/tokens.json"]);
  assert.equal(fs.files.get("/h/.config/oet/tokens.json")!.data, before);
});

Deno.test("fake fs: no mode bits (Windows) means no refusal", async () => {
  const fs = new MemoryFs();
  const cache = new TokenCache("/h/oet/tokens.json", fs);
  await cache.put(entry());
  const stat = fs.stat.bind(fs);
  fs.stat = async (p) => {
    const info = await stat(p);
    return info && { ...info, mode: null };
  };
  fs.files.get("/h/oet/tokens.json")!.mode = 0o666;
  assert.equal((await cache.list()).length, 1);
});

Deno.test("fake fs: no write permission from Deno's sandbox names --allow-write", async () => {
  const fs = new MemoryFs();
  fs.fail.mkdir = new Deno.errors.NotCapable('Requires write access to "/h/oet"');
  const cache = new TokenCache("/h/oet/tokens.json", fs);
  await assert.rejects(() => cache.put(entry()), (e: unknown) => {
    assert.ok(e instanceof OetError);
    assert.equal(
      e.message,
      "cannot save the login in /h/oet/tokens.json: oet was not given permission to use this path",
    );
    assert.equal(
      e.hint,
      "this oet may write only where its --allow-write permission says; run it with " +
        "--allow-write=/h/oet, or set OET_TOKEN instead of logging in",
    );
    return true;
  });
});
