/**
 * One HTTP exchange with the OET server: a per-request timeout, an abort on
 * Ctrl-C, redirects handled by hand (never https → http), debug lines, and
 * every failure turned into a typed error carrying the server's message.
 */

import { formatDuration } from "../domain/duration.ts";
import { ConnectionError, HttpError, ProtocolError } from "../domain/errors.ts";
import type { Json } from "../domain/types.ts";
import { redactSecrets } from "../domain/jwt.ts";
import { redactUrl } from "../domain/redact.ts";
import {
  connectionError,
  isResourceMissing,
  noAnswerHint,
  serverFailureHint,
  serverMessage,
  wrongGenerationHint,
} from "./errors.ts";
import { trimTrailingSlashes } from "../domain/text.ts";

/** A bearer token to send, opaque to the transport beyond its text. */
export interface Bearer {
  token: string;
}

/**
 * Bearer tokens for the API's own origin, and what a 401/403 answer means
 * (docs/servers.md, "Authentication"). The token is asked for before every
 * request and every event-stream (re)connection, so a rotated token file is
 * read afresh; it is never sent to another origin.
 */
export interface Credentials {
  /** The token to send now, or undefined; throws (nothing is sent) for one that cannot be used. */
  bearer(signal?: AbortSignal): Promise<Bearer | undefined>;
  /** The error to report for a 401 or 403 answer; `sent` is what `bearer` gave for it. */
  refused(answer: {
    status: number;
    method: string;
    /** Below the API root: `procedures/3`. */
    path: string;
    serverMessage: string;
    sent?: Bearer;
  }): Promise<Error>;
}

/**
 * A server's answer as it may be shown: without the token sent with the
 * request, or anything shaped like one, should the server quote it back (an
 * AAA refusal may). Done before any message is cut to length, since a cut
 * copy of a token matches neither.
 */
function shownText(text: string, sent: Bearer | undefined): string {
  return redactSecrets(text, sent ? [sent.token] : []);
}

/** What a transport needs from its caller. */
export interface TransportOptions {
  fetch: typeof fetch;
  /** The API root, e.g. `http://host:5000/api/v1.0` (no trailing slash). */
  baseUrl: URL;
  /** Per-request limit for headers and body together. */
  timeoutMs: number;
  /** Aborts every request when the user interrupts `oet`. */
  signal?: AbortSignal;
  userAgent: string;
  /** Tokens for servers behind SKA's AAA; without, no Authorization header is sent. */
  credentials?: Credentials;
  /** Receives `OET_DEBUG=api` trace lines. */
  debug?: (line: string) => void;
  now?: () => number;
}

/** A response that was read completely. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  url: string;
}

const MAX_REDIRECTS = 3;

/** What `OET_DEBUG=api` shows of a sent token: never the token. */
const AUTH_TRACE = " (Authorization: Bearer <redacted>)";

/** Performs requests against one OET server. */
export class Transport {
  readonly #o: TransportOptions;

  constructor(options: TransportOptions) {
    this.#o = options;
  }

  /** The API root this transport talks to. */
  get baseUrl(): URL {
    return this.#o.baseUrl;
  }

  /** An absolute URL for a path below the API root. */
  url(path: string): string {
    return `${trimTrailingSlashes(this.#o.baseUrl.href)}/${path}`;
  }

  /**
   * Sends one request and reads the whole body. Redirects are returned, not
   * followed, when `followRedirects` is false (the client probes 7.x slashes).
   */
  async send(
    method: string,
    url: string,
    body?: Json,
    options: { followRedirects?: boolean; signal?: AbortSignal } = {},
  ): Promise<HttpResponse> {
    const follow = options.followRedirects ?? true;
    let current = url;
    for (let hop = 0;; hop++) {
      const response = await this.#once(method, current, body, options.signal);
      if (!follow || ![301, 302, 303, 307, 308].includes(response.status)) return response;
      // Only now: the first read of a response's headers costs about 0.07 ms.
      const location = response.headers.get("location");
      if (!location) return response;
      const next = new URL(location, current);
      const from = new URL(current);
      if (from.protocol === "https:" && next.protocol === "http:") {
        throw new ConnectionError(
          "other",
          redactUrl(current),
          `the server redirected ${redactUrl(current)} to ${
            redactUrl(next)
          }, from https to http; refusing to follow`,
          {
            hint:
              "use the final URL in --server-url if it is trusted, or fix the server's proxy settings",
          },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new ProtocolError(`too many redirects, last to ${redactUrl(next)}`);
      }
      current = next.href;
    }
  }

  /** Sends a request and returns its body as parsed JSON; errors are thrown. */
  async json(method: string, url: string, body?: Json): Promise<unknown> {
    const response = await this.send(method, url, body);
    return this.parse(method, response);
  }

  /** Checks the status of a read response and parses its JSON body. */
  parse(method: string, response: HttpResponse): unknown {
    if (response.status < 200 || response.status > 299) throw this.httpError(method, response);
    try {
      return JSON.parse(response.text);
    } catch {
      const type = response.headers.get("content-type") ?? "no content type";
      if (/json/i.test(type) && response.text.trim()) {
        throw new ProtocolError(
          `unexpected answer from the server: ${method} ${
            redactUrl(response.url)
          } gave ${response.status} with JSON that does not parse (cut short?)`,
          {
            hint: "the server or a proxy ended the answer early; retry, and check the server's log",
          },
        );
      }
      const start = response.text.trim().slice(0, 60).replace(/\s+/g, " ");
      throw new ProtocolError(
        `unexpected answer from the server: ${method} ${
          redactUrl(response.url)
        } gave ${response.status} with a body that is not JSON (${type}${
          start ? `: ${JSON.stringify(start)}` : ", empty"
        })`,
        {
          hint: `is ${
            redactUrl(this.#o.baseUrl)
          } the OET API root, or is a proxy answering instead?`,
        },
      );
    }
  }

  /** The typed error for a non-2xx response. */
  httpError(method: string, response: HttpResponse): HttpError {
    const message = serverMessage(
      response.headers.get("content-type") ?? "",
      response.text,
      response.statusText,
    );
    const missing = response.status === 404 && isResourceMissing(response.text);
    return new HttpError({
      status: response.status,
      serverMessage: message,
      method,
      url: redactUrl(response.url),
      hint: response.status === 404 && !missing
        ? wrongGenerationHint(this.#o.baseUrl, response.text)
        : serverFailureHint(
          response.status,
          response.headers.get("content-type") ?? "",
          response.text,
        ),
      resourceMissing: missing,
      showUrl: response.status === 404 && !missing,
    });
  }

  /** Adds the bearer token for a request to the API's own origin; returns what was sent. */
  async #authorize(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Bearer | undefined> {
    const credentials = this.#o.credentials;
    // Never to another origin (a redirect elsewhere, an absolute Location).
    if (!credentials || new URL(url).origin !== this.#o.baseUrl.origin) return undefined;
    const sent = await credentials.bearer(signal);
    if (sent) headers.authorization = `Bearer ${sent.token}`;
    return sent;
  }

  /** A 401/403 is not an HTTP error like the others: the credentials say what it means. */
  async #refused(
    method: string,
    url: string,
    response: { status: number; statusText: string; headers: Headers; text: string },
    sent: Bearer | undefined,
  ): Promise<Error | undefined> {
    const credentials = this.#o.credentials;
    if (!credentials || (response.status !== 401 && response.status !== 403)) return undefined;
    const root = trimTrailingSlashes(this.#o.baseUrl.pathname);
    const path = new URL(url).pathname.slice(root.length).replace(/^\/+/, "");
    return await credentials.refused({
      status: response.status,
      method,
      path,
      serverMessage: serverMessage(
        response.headers.get("content-type") ?? "",
        response.text,
        response.statusText,
      ),
      sent,
    });
  }

  /** Opens a streaming GET (the event stream): no timeout once headers arrive. */
  async openStream(url: string, signal: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    const headersSignal = AbortSignal.any([signal, timeout]);
    const headers: Record<string, string> = {
      accept: "text/event-stream",
      "user-agent": this.#o.userAgent,
    };
    const sent = await this.#authorize(url, headers, signal);
    this.#o.debug?.(`> GET ${redactUrl(url)}${sent ? AUTH_TRACE : ""}`);
    let response: Response;
    try {
      // The headers must arrive within the request timeout; the body may
      // then stay silent for ever (the OET sends no keep-alives).
      const controller = new AbortController();
      const onAbort = () => controller.abort(headersSignal.reason);
      headersSignal.addEventListener("abort", onAbort, { once: true });
      try {
        response = await this.#o.fetch(url, { headers, signal: controller.signal });
      } finally {
        headersSignal.removeEventListener("abort", onAbort);
      }
      signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
    } catch (err) {
      throw this.#failure(err, url, signal, timeout);
    }
    this.#o.debug?.(`< ${response.status} ${redactUrl(url)} (stream)`);
    if (response.status !== 200) {
      const text = shownText(await response.text().catch(() => ""), sent);
      const answer = {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        text,
        url,
      };
      throw (await this.#refused("GET", url, answer, sent)) ?? this.httpError("GET", answer);
    }
    return response;
  }

  async #once(
    method: string,
    url: string,
    body?: Json,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    // A request may run on its own signal (a courtesy request after Ctrl-C).
    const outer = signal ?? this.#o.signal;
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    const both = outer ? AbortSignal.any([outer, timeout]) : timeout;
    let answer: HttpResponse;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.#o.userAgent,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const sent = await this.#authorize(url, headers, outer);
    const started = this.#o.now?.() ?? 0;
    this.#o.debug?.(
      `> ${method} ${redactUrl(url)}${body === undefined ? "" : ` ${JSON.stringify(body)}`}${
        sent ? AUTH_TRACE : ""
      }`,
    );
    try {
      const response = await this.#o.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
        signal: both,
      });
      const received = await response.text();
      // An answer that is not data is only ever shown (errors, hints).
      const text = response.ok ? received : shownText(received, sent);
      const elapsed = this.#o.now ? ` (${Math.round(this.#o.now() - started)} ms)` : "";
      this.#o.debug?.(
        `< ${response.status} ${redactUrl(url)}${elapsed} ${
          shownText(received, sent).slice(0, 200)
        }`,
      );
      answer = {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        text,
        url,
      };
    } catch (err) {
      throw this.#failure(err, url, outer, timeout);
    }
    const refused = await this.#refused(method, url, answer, sent);
    if (refused) throw refused;
    return answer;
  }

  #failure(
    err: unknown,
    url: string,
    outer: AbortSignal | undefined,
    timeout: AbortSignal,
  ): unknown {
    // An interrupt is passed on as its own reason (an InterruptedError).
    if (outer?.aborted) return outer.reason;
    if (timeout.aborted) {
      const host = new URL(url).host;
      return new ConnectionError(
        "timeout",
        redactUrl(url),
        `no answer from ${host} within ${formatDuration(this.#o.timeoutMs)} (${redactUrl(url)})`,
        { hint: noAnswerHint(this.#o.baseUrl) },
      );
    }
    return connectionError(err, url);
  }
}
