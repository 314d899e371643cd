/**
 * The HTTP test double fails a test on a request it was not told about, and
 * (verify) on a stub that was never used, as gh's httpmock does.
 */

import assert from "node:assert/strict";
import { ScriptedFetch, verifyScripts } from "../support/scripted_fetch.ts";

Deno.test("ScriptedFetch.verify names the stubs that were never used", async () => {
  const f = new ScriptedFetch([
    { url: "http://oet/a", respond: { a: 1 } },
    { method: "POST", url: /\/b$/, respond: { b: 2 } },
  ]);
  assert.deepEqual(await (await f.fetch("http://oet/a")).json(), { a: 1 });
  assert.throws(() => f.verify(), /1 scripted request\(s\) never sent: POST \/\\\/b\$\//);
  await f.fetch("http://oet/b", { method: "POST" });
  f.verify();
  verifyScripts();
});

Deno.test("ScriptedFetch refuses a request out of script", async () => {
  const f = new ScriptedFetch([{ url: "http://oet/a", respond: {} }]);
  await assert.rejects(() => f.fetch("http://oet/b"), /expected GET http:\/\/oet\/a, got GET/);
  const none = new ScriptedFetch([]);
  await assert.rejects(() => none.fetch("http://oet/a"), /unexpected request: GET http:\/\/oet\/a/);
  verifyScripts();
});
