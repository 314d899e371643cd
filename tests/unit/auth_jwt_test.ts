import assert from "node:assert/strict";
import { decodeJwt, redactJwts } from "../../src/domain/jwt.ts";
import { makeJwt } from "../support/auth_fakes.ts";

Deno.test("an Entra ID access token's claims are read and normalised", () => {
  const token = makeJwt({
    aud: "api://oet",
    iss: "https://login.microsoftonline.com/tenant/v2.0",
    iat: 1764446400,
    nbf: 1764446400,
    exp: 1764450000,
    name: "Ada Lovelace",
    preferred_username: "ada@example.org",
    oid: "00000000-0000-0000-0000-000000000001",
    sub: "subject",
    roles: ["SW_ENGINEER"],
    scp: "activity:read  procedure:execute",
  });
  assert.deepEqual(decodeJwt(token), {
    exp: 1764450000,
    iat: 1764446400,
    nbf: 1764446400,
    iss: "https://login.microsoftonline.com/tenant/v2.0",
    aud: ["api://oet"],
    roles: ["SW_ENGINEER"],
    scopes: ["activity:read", "procedure:execute"],
    name: "Ada Lovelace",
    username: "ada@example.org",
    subject: "00000000-0000-0000-0000-000000000001",
  });
});

Deno.test("aud as a list, scope merged with scp, username and subject fallbacks", () => {
  const c = decodeJwt(makeJwt({
    aud: ["api://a", "api://b", 3],
    scope: "openid activity:read",
    scp: "activity:read",
    upn: "ada@upn",
    email: "ada@mail",
    sub: "s-1",
  }))!;
  assert.deepEqual(c.aud, ["api://a", "api://b"]);
  assert.deepEqual(c.scopes, ["activity:read", "openid"]);
  assert.equal(c.username, "ada@upn");
  assert.equal(c.subject, "s-1");
  assert.deepEqual(c.roles, []);
  assert.equal(decodeJwt(makeJwt({ email: "e@x" }))!.username, "e@x");
  assert.equal(decodeJwt(makeJwt({ unique_name: "u@x" }))!.username, "u@x");
});

Deno.test("claims of the wrong type are left out, numeric-string times accepted", () => {
  const c = decodeJwt(makeJwt({ exp: "1764450000", iat: "soon", iss: 7, roles: "SW_ENGINEER" }))!;
  assert.equal(c.exp, 1764450000);
  assert.equal(c.iat, undefined);
  assert.equal(c.iss, undefined);
  assert.deepEqual(c.roles, ["SW_ENGINEER"]);
});

Deno.test("UTF-8 names survive base64url decoding", () => {
  assert.equal(decodeJwt(makeJwt({ name: "Zoë Ødegård 天文" }))!.name, "Zoë Ødegård 天文");
});

Deno.test("garbage and opaque tokens decode to undefined, never throw", () => {
  const bad = [
    "",
    "opaque-token-0123456789",
    "a.b",
    "a.b.c.d.e", // an encrypted JWT (JWE): no readable claims
    "x..y",
    "x.!!!.y",
    `x.${btoa("[1,2]").replace(/=+$/, "")}.y`, // JSON, not an object
    `x.${btoa("not json").replace(/=+$/, "")}.y`,
    "x.wA.y", // bad UTF-8 (0xC0)
    "x.A.y", // impossible base64 length
    `x.${btoa("null")}.y`,
  ];
  for (const t of bad) assert.equal(decodeJwt(t), undefined, t);
});

Deno.test("padding is tolerated", () => {
  const payload = btoa(JSON.stringify({ name: "ab" })).replace(/\+/g, "-").replace(/\//g, "_");
  assert.ok(payload.endsWith("="));
  assert.equal(decodeJwt(`h.${payload}.s`)!.name, "ab");
});

Deno.test("JWT-shaped text is redacted from free text", () => {
  const token = makeJwt({ sub: "x" });
  assert.equal(redactJwts(`bad token ${token}!`), "bad token [token]!");
  assert.equal(redactJwts("nothing here: eyJ"), "nothing here: eyJ");
});

Deno.test("a cut-off token is redacted too: its header alone, or with part of its payload", () => {
  const token = makeJwt({ sub: "someone", aud: "api://oet", iss: "https://issuer" });
  const [header, payload] = token.split(".");
  for (const cut of [header, `${header}.`, `${header}.${payload.slice(0, 12)}`]) {
    assert.equal(redactJwts(`token ${cut}… refused`), "token [token]… refused", cut);
  }
  // Ordinary words that happen to start with eyJ are left alone.
  assert.equal(redactJwts("eyJump over"), "eyJump over");
});
