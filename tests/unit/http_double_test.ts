/**
 * The HTTP test double fails a test on a request it was not told about, on
 * one out of script order, and (verify) on a stub that was never used, as
 * gh's httpmock does; in-process and over loopback it answers the same.
 */

import assert from "node:assert/strict";
import {
  HttpDouble,
  httpTest,
  json,
  notFound,
  recorded,
  replayed,
  type SeenRequest,
  type Stub,
  verifyDoubles,
} from "../support/http_double.ts";
import { until } from "../support/wait.ts";

httpTest(
  "verify names the stubs that were never used; `unused` exempts one, saying why",
  async () => {
    const d = new HttpDouble([
      { url: "http://oet/a", respond: { a: 1 } },
      { method: "POST", url: /\/b$/, respond: { b: 2 } },
      { url: "/c", respond: {}, reusable: true },
      { url: "/d", respond: {}, unused: "only some runs read it" },
    ]);
    assert.deepEqual(await (await d.fetch("http://oet/a")).json(), { a: 1 });
    assert.throws(
      () => d.verify(),
      /^Error: HTTP double: 2 stub\(s\) never used: POST \/\\\/b\$\/, GET \/c \(reusable\)$/,
    );
    await d.fetch("http://oet/b", { method: "POST" });
    assert.throws(() => d.verify(), /1 stub\(s\) never used: GET \/c \(reusable\)$/);
    await d.fetch("http://oet/c");
    await d.fetch("http://oet/c");
    d.verify();
    assert.equal(d.remaining, 1); // /d, which may go unused
  },
);

httpTest(
  "an unexpected request rejects, and fails verify even if the code swallowed it",
  async () => {
    const d = new HttpDouble();
    await assert.rejects(
      () => d.fetch("http://oet/a"),
      /^Error: unexpected request: GET http:\/\/oet\/a$/,
    );
    assert.throws(() => d.verify(), /HTTP double: unexpected request: GET http:\/\/oet\/a/);
    d.discard(); // checked here: httpTest would fail on it
    assert.equal(d.requests.length, 1, "the request is still recorded");
  },
);

httpTest(
  "script order is enforced: a request that is not the next one fails, naming both",
  async () => {
    const d = new HttpDouble([
      { url: "http://oet/1", respond: json("one") },
      { url: "http://oet/2", respond: json("two") },
    ]);
    await assert.rejects(
      () => d.fetch("http://oet/2"),
      /^Error: expected GET http:\/\/oet\/1, got GET http:\/\/oet\/2$/,
    );
    assert.equal(await (await d.fetch("http://oet/1")).json(), "one");
    assert.equal(await (await d.fetch("http://oet/2")).json(), "two");
    await assert.rejects(() => d.fetch("http://oet/1"), /unexpected request: GET http:\/\/oet\/1/);
    assert.throws(
      () => d.verify(),
      /expected GET http:\/\/oet\/1, got GET http:\/\/oet\/2; unexpected/,
    );
    d.discard();
  },
);

httpTest(
  "a route answers in any order beside the script; an explicit fallback answers the rest",
  async () => {
    const d = new HttpDouble([
      { method: "PUT", url: "http://oet/p", respond: json("put") },
      { url: "http://oet/list", respond: () => json("list"), reusable: true },
    ], { fallback: notFound() });
    assert.equal(await (await d.fetch("http://oet/list")).json(), "list");
    assert.equal((await d.fetch("http://oet/anything")).status, 404);
    assert.equal((await d.fetch("http://oet/else")).status, 404, "the fallback answers again");
    assert.equal(await (await d.fetch("http://oet/p", { method: "PUT", body: "x" })).json(), "put");
    assert.equal(await (await d.fetch("http://oet/list")).json(), "list");
    d.verify();
  },
);

/** The same exchange, in-process and over loopback: what the client got and what the double saw. */
async function exchange(
  serve: (d: HttpDouble) => { base: string; fetch: typeof fetch },
): Promise<{ answers: string[]; seen: Omit<SeenRequest, "url" | "redirect">[] }> {
  const stubs: Stub[] = [
    ...replayed([{
      status: 201,
      statusText: "Created",
      headers: { "content-type": "application/json", date: "Mon, 01 Dec 2025 00:00:00 GMT" },
      body: '{"procedure":{"id":1}}',
    }], { method: "POST", url: "/api/procedures" }),
    { url: /\/procedures\/1(\?|$)/, respond: { state: "READY" }, reusable: true },
    {
      method: "PUT",
      url: "/api/procedures/1",
      respond: (req) => json({ echoed: req.form.state ?? JSON.parse(req.body) }, 202),
    },
  ];
  const d = new HttpDouble(stubs);
  const { base, fetch } = serve(d);
  const answers: string[] = [];
  const note = async (r: Response) =>
    answers.push(`${r.status} ${r.headers.get("content-type")} ${await r.text()}`);
  await note(await fetch(`${base}/api/procedures`, { method: "POST", body: '{"a":1}' }));
  await note(await fetch(`${base}/api/procedures/1`));
  await note(
    await fetch(`${base}/api/procedures/1`, {
      method: "PUT",
      body: new URLSearchParams({ state: "RUNNING" }),
    }),
  );
  await note(await fetch(`${base}/api/procedures/1?x=1`));
  const out = await fetch(`${base}/api/nothing`).catch((e: Error) => e);
  if (out instanceof Response) {
    answers.push(`${out.status} ${await out.text()}`);
  } else answers.push(`rejected: ${out.message}`);
  await assert.rejects(() => d.close(), /unexpected request: GET .*\/api\/nothing$/);
  d.discard(); // checked here: httpTest would fail on it
  const seen = d.requests.map(({ url: _url, redirect: _redirect, headers, ...rest }) => ({
    ...rest,
    headers: { "content-type": headers["content-type"] ?? "" },
  }));
  return { answers, seen };
}

httpTest("in-process and over loopback the double answers and records the same", async () => {
  const inProcess = await exchange((d) => ({ base: "http://oet", fetch: d.fetch }));
  const loopback = await exchange((d) => ({ base: d.listen().origin, fetch }));
  assert.deepEqual(inProcess.answers.slice(0, 4), [
    '201 application/json {"procedure":{"id":1}}',
    '200 application/json {"state":"READY"}',
    '202 application/json {"echoed":"RUNNING"}',
    "200 application/json " + '{"state":"READY"}',
  ]);
  // In-process the unexpected request rejects; over loopback it is a 599 saying why.
  assert.equal(inProcess.answers[4], "rejected: unexpected request: GET http://oet/api/nothing");
  assert.deepEqual(loopback.answers.slice(0, 4), inProcess.answers.slice(0, 4));
  assert.match(
    loopback.answers[4],
    /^599 http double: unexpected request: GET http:\/\/127\.0\.0\.1:\d+\/api\/nothing\n$/,
  );
  assert.deepEqual(loopback.seen, inProcess.seen);
  assert.deepEqual(inProcess.seen.map((r) => `${r.method} ${r.path}`), [
    "POST /api/procedures",
    "GET /api/procedures/1",
    "PUT /api/procedures/1",
    "GET /api/procedures/1?x=1",
    "GET /api/nothing",
  ]);
  assert.deepEqual(inProcess.seen[2].form, { state: "RUNNING" });
});

Deno.test("recorded answers keep status, reason and headers, not the hop-by-hop ones", async () => {
  const r = recorded({
    status: 404,
    statusText: "NOT FOUND",
    headers: { "content-type": "application/problem+json", "content-length": "3", server: "w" },
    body: "{}\n",
  });
  assert.equal(r.status, 404);
  assert.equal(r.statusText, "NOT FOUND");
  assert.equal(r.headers.get("content-type"), "application/problem+json");
  assert.equal(r.headers.get("server"), null);
  assert.equal(await r.text(), "{}\n");
});

Deno.test("the event stream: a leading blank line, emitted events, open streams counted", async () => {
  const d = new HttpDouble().eventStream().listen();
  try {
    const response = await fetch(`${d.origin}/api/v1.0/stream`);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    await until(() => d.openStreams === 1, "the stream to open");
    d.emit({ topic: "a" }, "7");
    d.emit("plain");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.endsWith("data:plain\n\n")) text += (await reader.read()).value;
    assert.equal(text, '\ndata:{"topic":"a"}\nid:7\n\ndata:plain\n\n');
    await reader.cancel();
    await until(() => d.openStreams === 0, "the stream to close");
  } finally {
    await d.close();
  }
  // A stream route never opened is an unused stub.
  const never = new HttpDouble().eventStream().listen();
  await assert.rejects(() => never.close(), /never used: GET \/\\\/stream\\\/\?\$\/ \(reusable\)/);
  never.discard();
});

httpTest(
  "verifyDoubles (httpTest's check) verifies every double made since it last ran",
  async () => {
    const used = new HttpDouble([{ url: "http://oet/a", respond: {} }]);
    await used.fetch("http://oet/a");
    new HttpDouble([{ url: "http://oet/b", respond: {} }]);
    assert.throws(() => verifyDoubles(), /never used: GET http:\/\/oet\/b$/);
    verifyDoubles(); // each double is verified once
  },
);

Deno.test("an in-process double answers only inside httpTest, so nothing goes unverified", async () => {
  const d = new HttpDouble([{ url: "http://oet/a", respond: {} }]);
  await assert.rejects(
    () => d.fetch("http://oet/a"),
    /answers only inside httpTest, which verifies it when the test ends/,
  );
  assert.equal(d.requests.length, 0);
  d.discard();
});

httpTest("`when` narrows a stub to requests that pass it (a header, the form)", async () => {
  const d = new HttpDouble([
    {
      url: "http://oet/p",
      when: (req) => req.headers.authorization === undefined,
      respond: json("who are you?", 401),
      reusable: true,
    },
    { url: "http://oet/p", respond: json("ok"), reusable: true },
  ]);
  assert.equal((await d.fetch("http://oet/p")).status, 401);
  const r = await d.fetch("http://oet/p", { headers: { authorization: "Bearer x" } });
  assert.equal(await r.json(), "ok");
});
