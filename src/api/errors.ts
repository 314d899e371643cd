/**
 * Turns failed HTTP exchanges into `oet`'s typed errors, with the server's
 * own message taken from whichever error shape it used (docs/servers.md, "Error shapes"):
 *
 * - OET (5.x/6.x): `{"error": "404 Not Found", "type": …, "Message": …}`
 * - connexion: `application/problem+json` `{"type","title","status","detail"}`
 * - FastAPI (7.x): `{"detail": string | object | list of pydantic errors}`
 * - an unhandled 7.x error: `text/plain` `Internal Server Error`
 * - a proxy or load balancer: an HTML page
 */

import { ConnectionError, type ConnectionFailure } from "../domain/errors.ts";
import { redactJwts } from "../domain/jwt.ts";
import { redactUrl } from "../domain/redact.ts";
import { isJsonObject, type Json } from "../domain/types.ts";
import { trimTrailingSlashes } from "../domain/text.ts";

const MAX_MESSAGE = 300;

/**
 * Removes the quotes Python's str(KeyError) puts around a whole message —
 * only when the message is one quoted string: `'GitCommandError' object has
 * no attribute 'id'` starts and ends with a quote but is not quoted.
 */
export function unquote(text: string): string {
  const t = text.trim();
  const q = t[0];
  if (t.length >= 2 && (q === '"' || q === "'") && t.at(-1) === q) {
    const inner = t.slice(1, -1);
    if (!inner.replaceAll(`\\${q}`, "").includes(q)) return inner;
  }
  return t;
}

/** Folds a multi-line server message into one readable line. */
function oneLine(text: string): string {
  const folded = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join("; ");
  return folded.length > MAX_MESSAGE ? `${folded.slice(0, MAX_MESSAGE - 1)}…` : folded;
}

function pydanticErrors(items: Json[]): string {
  return items.map((e) => {
    if (!isJsonObject(e)) return String(e);
    const loc = Array.isArray(e.loc) ? e.loc.filter((p) => p !== "body").join(".") : "";
    const msg = typeof e.msg === "string" ? e.msg : JSON.stringify(e);
    return loc ? `${loc}: ${msg}` : msg;
  }).join("; ");
}

function fromJson(body: Json): string | undefined {
  if (!isJsonObject(body)) return typeof body === "string" ? body : undefined;
  const detail = body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return pydanticErrors(detail);
  if (isJsonObject(detail)) {
    const m = detail.Message ?? detail.message ?? detail.msg;
    return typeof m === "string" ? m : JSON.stringify(detail);
  }
  const m = body.Message ?? body.message;
  if (typeof m === "string") return m;
  if (typeof body.title === "string") return body.title;
  if (typeof body.error === "string") return body.error;
  return undefined;
}

function fromHtml(text: string): string {
  const title = text.match(/<title[^>]*>([\s\S]*?)<\/title>/i)?.[1];
  const h1 = text.match(/<h1[^>]*>([\s\S]*?)<\/h1>/i)?.[1];
  const picked = title ?? h1 ?? text.replace(/<[^>]+>/g, " ");
  return picked.replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

/**
 * The server's message from an error response body, whatever its shape;
 * falls back to the status text when the body says nothing.
 */
export function serverMessage(contentType: string, text: string, statusText: string): string {
  // A token the server quotes back is hidden before the message is cut to length.
  const trimmed = redactJwts(text).trim();
  if (trimmed) {
    if (/json/i.test(contentType) || /^[{["]/.test(trimmed)) {
      try {
        const m = fromJson(JSON.parse(trimmed));
        if (m !== undefined && m.trim()) return oneLine(unquote(m));
      } catch {
        // not JSON after all: fall through to the text forms
      }
    }
    if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
      const m = fromHtml(trimmed);
      if (m) return oneLine(m);
    } else {
      return oneLine(trimmed);
    }
  }
  return statusText || "no message";
}

/**
 * A hint for a 5xx answer that carries no JSON error document, so no OET
 * message: a proxy's page (502/503/504) or an unhandled server error.
 */
export function serverFailureHint(
  status: number,
  contentType: string,
  text: string,
): string | undefined {
  if (status < 500 || /json/i.test(contentType) || /^\s*[{[]/.test(text)) return undefined;
  if (status === 502 || status === 503 || status === 504) {
    return "a proxy or gateway in front of the OET answered: the OET behind it may be down or restarting; retry later, or check the deployment";
  }
  return "the server failed without an OET error message; its log has the cause (OET_DEBUG=api shows the answer)";
}

/** True when a 404 body says the resource id is unknown (not a wrong path). */
export function isResourceMissing(text: string): boolean {
  return /ResourceNotFound|No information available for/.test(text);
}

/**
 * A hint when a routing 404 shows that the base URL points at another server
 * generation than its path suggests (docs/servers.md, "Telling the generation from a 404").
 */
export function wrongGenerationHint(baseUrl: URL, text: string): string | undefined {
  if (isResourceMissing(text)) return undefined;
  const path = baseUrl.pathname;
  const origin = baseUrl.origin;
  const v7Shape = /^\s*\{\s*"detail"\s*:\s*"Not Found"\s*\}\s*$/.test(text);
  const flaskShape = /"type"\s*:\s*"Not Found"/.test(text) ||
    /requested URL was not found/.test(text);
  if (v7Shape && !/\/api\/v([7-9]|\d\d)$/.test(path)) {
    return `this looks like an OET 7 server: its API root is usually ${origin}/ska-oso-oet/oet/api/v7 (set it with --server-url or OET_REST_URI)`;
  }
  if (flaskShape && !/\/api\/v(1\.0|[56])$/.test(path)) {
    return `this looks like an OET 5.x or 6.x server: try ${origin}/api/v1.0 (5.x) or ${origin}/ska-oso-oet/oet/api/v6 (6.x)`;
  }
  if (v7Shape || flaskShape) return undefined;
  return `is ${
    redactUrl(baseUrl)
  } the OET API root? Examples: http://host:5000/api/v1.0 (5.x), http://host:5000/ska-oso-oet/oet/api/v7 (7.x)`;
}

function hostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * The hint for a request that got no answer in time. A 5.x/6.x server
 * (waitress, 4 threads) answers nothing once every thread is held by an
 * event stream (docs/servers.md, "What a client can do"); a 7.x root cannot
 * be wedged that way, so only the plain hint goes with it.
 */
export function noAnswerHint(baseUrl: URL): string {
  const plain = "the server or a proxy is stalled; raise --request-timeout if it is just slow";
  if (/\/api\/v([7-9]|\d\d)$/.test(trimTrailingSlashes(baseUrl.pathname))) return plain;
  return `${plain}\n` +
    "an OET 5.x/6.x server answers nothing while its 4 threads are all held by event streams " +
    "(oet listen, waiting commands, streams left open): close them or restart it; oet doctor checks";
}

/** Classifies a fetch failure (Deno's TypeError texts) into a ConnectionError. */
export function connectionError(err: unknown, url: string): ConnectionError {
  const e = err as Error;
  const text = `${e?.message ?? err} ${(e?.cause as Error)?.message ?? ""}`;
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const safeUrl = redactUrl(url);
  let failure: ConnectionFailure = "other";
  let message: string;
  let hint: string | undefined;
  if (/dns error|failed to lookup|Name or service not known|No address associated/i.test(text)) {
    failure = "dns";
    message = `cannot resolve host ${hostname(url)} (${safeUrl})`;
    hint = "check the host name in --server-url / OET_REST_URI, and your DNS or VPN";
  } else if (/InvalidContentType|corrupt message/i.test(text)) {
    // https:// to a server that speaks plain http (what `oet doctor` says too).
    failure = "tls";
    message = `${host} does not answer in TLS (${safeUrl})`;
    hint = "is the server plain http? try http:// in --server-url / OET_REST_URI";
  } else if (/certificate|tls|ssl|handshake/i.test(text)) {
    failure = "tls";
    const detail = text.match(/invalid peer certificate: ([^\s,)]+(?:\([^)]*\))?)/)?.[1];
    message = `TLS connection to ${host} failed${detail ? `: ${detail}` : ""} (${safeUrl})`;
    hint =
      "if the server uses a private CA, point NODE_EXTRA_CA_CERTS or DENO_CERT at its PEM file, or set DENO_TLS_CA_STORE=system";
  } else if (/Connection refused|os error 111/i.test(text)) {
    failure = "refused";
    message = `connection refused by ${host} (${safeUrl})`;
    hint =
      "is the OET server running, and is --server-url / OET_REST_URI right? (behind a proxy, check HTTPS_PROXY/HTTP_PROXY and NO_PROXY too)";
  } else if (
    /connection closed|connection reset|error reading a body|broken pipe|unexpected end|os error 104|IncompleteMessage/i
      .test(text)
  ) {
    failure = "reset";
    message = `the connection to ${host} was closed before the answer was complete (${safeUrl})`;
    hint = "the server may have restarted or crashed; check its state and retry";
  } else {
    message = `cannot reach ${host}: ${(e?.message ?? String(err)).replace(url, safeUrl)}`;
  }
  return new ConnectionError(failure, safeUrl, message, { hint, cause: err });
}
