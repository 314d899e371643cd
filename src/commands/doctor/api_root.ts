/**
 * The API root check: which server generation answers at the configured
 * root, decided from how it answers (docs/servers.md, "Generations and API
 * roots"), and, when the root is wrong, where the right one is.
 *
 * - `GET procedures` answered 307 to `procedures/`: FastAPI, OET 7.x/8.x;
 *   answered with `{"procedures": […]}`: Flask, OET 5.x/6.x. The major
 *   version is the root's own (`/api/v1.0` is 5, `/api/v6`, `/api/v7`,
 *   `/api/v8`): from 6.0 the server builds its root from its version.
 * - A routing 404 names the stack: `{"detail":"Not Found"}` (FastAPI) or
 *   Flask's "Not Found" (5.x/6.x). The usual roots of that stack are then
 *   tried on the same origin.
 */

import { isResourceMissing, serverFailureHint, serverMessage } from "../../api/errors.ts";
import type { HttpResponse, Transport } from "../../api/http.ts";
import { AuthError, ConnectionError, InterruptedError, OetError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import type { CommandContext } from "../framework/command_context.ts";
import type { ServerDate } from "./auth.ts";
import { type CheckResult, fail, pass, skip } from "./check.ts";
import type { Configuration } from "./configuration.ts";
import { trimTrailingSlashes } from "../../domain/text.ts";
import { apiMajor } from "../../api/client.ts";

/** What the API root check found. */
export interface ApiRootFinding {
  readonly result: CheckResult;
  /** `5`, `6`, `7`, `8` (or later), or `5/6`, `7+` when the root's path does not say. */
  readonly generation?: string;
  /** The server, or oet before sending, refused for authentication. */
  readonly refusal?: AuthError;
  /** The server's clock, from the first answer with a `Date`. */
  readonly date?: ServerDate;
  /** An HTTP answer came. */
  readonly reached: boolean;
  /** The root answers as an OET root: the event stream can be tried there. */
  readonly usable: boolean;
}

/** How a generation is named in the report. */
function generationName(g: string): string {
  if (g === "5/6") return "OET 5.x or 6.x";
  if (g === "7+") return "OET 7.x or later";
  return `OET ${g}.x`;
}

/** The generation of a FastAPI server from its root's path. */
function fastApiGeneration(path: string): string {
  const major = Number(apiMajor(path));
  return major >= 7 ? String(major) : "7+";
}

/** The generation of a Flask server from its root's path. */
function flaskGeneration(path: string): string {
  if (/\/api\/v1\.0\/*$/.test(path)) return "5";
  if (/\/api\/v6\/*$/.test(path)) return "6";
  return "5/6";
}

/** The number of procedures in a list answer (bare or wrapped), or undefined if it is not one. */
function procedureCount(text: string): number | undefined {
  try {
    const body = JSON.parse(text);
    if (Array.isArray(body)) return body.length;
    if (Array.isArray(body?.procedures)) return body.procedures.length;
  } catch {
    // not JSON: not the OET's list
  }
  return undefined;
}

/** A usual root of a generation on an origin. */
interface Candidate {
  readonly generation: string;
  readonly root: string;
  /** The collection, as that generation spells it. */
  readonly list: string;
}

function candidates(root: URL, stack: "fastapi" | "flask" | "unknown"): Candidate[] {
  // From 6.0 the root starts with the Kubernetes namespace (default ska-oso-oet).
  const ns = root.pathname.match(/^\/([^/]+)\/oet\/api\/v\d/)?.[1] ?? "ska-oso-oet";
  const flask = [
    { generation: "5", root: `${root.origin}/api/v1.0`, slash: "" },
    { generation: "6", root: `${root.origin}/${ns}/oet/api/v6`, slash: "" },
  ];
  const fastApi = [
    { generation: "7", root: `${root.origin}/${ns}/oet/api/v7`, slash: "/" },
    { generation: "8", root: `${root.origin}/${ns}/oet/api/v8`, slash: "/" },
  ];
  const all = stack === "fastapi" ? fastApi : stack === "flask" ? flask : [...flask, ...fastApi];
  return all
    .filter((c) => c.root !== trimTrailingSlashes(root.href))
    .map((c) => ({
      generation: c.generation,
      root: c.root,
      list: `${c.root}/procedures${c.slash}`,
    }));
}

/** Probes the API root; see the module comment. */
export async function checkApiRoot(
  ctx: CommandContext,
  config: Configuration,
): Promise<ApiRootFinding> {
  const transport = ctx.client().transport;
  let date: ServerDate | undefined;
  let reached = false;
  const get = async (url: string, via: Transport = transport): Promise<HttpResponse> => {
    const answer = await via.send("GET", url, undefined, { followRedirects: false });
    reached = true;
    const server = Date.parse(answer.headers.get("date") ?? "");
    if (!date && Number.isFinite(server)) date = { serverMs: server, localMs: ctx.clock.now() };
    return answer;
  };
  const found = (
    result: CheckResult,
    more: { generation?: string; refusal?: AuthError; usable?: boolean } = {},
  ): ApiRootFinding => ({ result, date, reached, usable: false, ...more });

  /** A list answer at this root: passed, or what is wrong with it. */
  const listed = (answer: HttpResponse, generation: string, how: string): ApiRootFinding => {
    if (answer.status < 200 || answer.status > 299) {
      return found(httpFailure(answer), { generation });
    }
    const count = procedureCount(answer.text);
    if (count === undefined) {
      const type = answer.headers.get("content-type") ?? "no content type";
      return found(
        fail(
          "api_root",
          `GET ${
            redactUrl(answer.url)
          } answered ${answer.status} with ${type}, not the OET's list of procedures`,
          `is ${redactUrl(config.url)} the OET API root, or is a proxy answering instead?`,
        ),
      );
    }
    return found(
      pass(
        "api_root",
        `answers as ${generationName(generation)} (${how}); ${count} procedure${
          count === 1 ? "" : "s"
        }`,
      ),
      { generation, usable: true },
    );
  };

  const bare = transport.url("procedures");
  try {
    const first = await get(bare);
    const location = first.headers.get("location");
    if (
      [307, 308].includes(first.status) && location &&
      new URL(location, bare).pathname === `${new URL(bare).pathname}/`
    ) {
      const generation = fastApiGeneration(config.url.pathname);
      const how = "FastAPI: procedures redirects to procedures/";
      try {
        return listed(await get(`${bare}/`), generation, how);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        return found(
          pass(
            "api_root",
            `answers as ${generationName(generation)} (${how}), and asks for a token to list ` +
              "procedures (see authentication)",
          ),
          { generation, refusal: err },
        );
      }
    }
    if (first.status >= 200 && first.status < 300) {
      return listed(
        first,
        flaskGeneration(config.url.pathname),
        "Flask: procedures answers without a trailing slash",
      );
    }
    if (first.status === 404 && !isResourceMissing(first.text)) {
      return await wrongRoot(ctx, config, first, get, found);
    }
    return found(httpFailure(first));
  } catch (err) {
    if (ctx.signal.aborted || err instanceof InterruptedError) throw err;
    if (err instanceof AuthError) {
      return found(skip("api_root", "authentication failed first (see authentication)"), {
        refusal: err,
      });
    }
    if (err instanceof ConnectionError) {
      // The server took the connection but sent nothing: the wedge of docs/servers.md.
      const wedged = err.failure === "timeout"
        ? "a 5.x/6.x server whose 4 threads are all held by event streams answers nothing: " +
          "close other oet listen and waiting commands, or restart it"
        : undefined;
      // The error's own hint names the threads on a second line: doctor says it its way.
      const own = wedged ? err.hint?.split("\n")[0] : err.hint;
      const hint = [own, wedged].filter((h) => h !== undefined).join("; ");
      return found(fail("api_root", err.message, hint || undefined, "unreachable"));
    }
    if (err instanceof OetError) return found(fail("api_root", err.message, err.hint));
    throw err;
  }
}

/** How to make `value` the server URL, where the current one was set. */
function settingHint(source: string, value: string): string {
  const m = source.match(/^(\S+) in (the environment|\.env)$/);
  if (source === "--server-url") return `use --server-url ${value}`;
  if (m) return `set ${m[1]}${m[2] === ".env" ? " in .env" : ""} to ${value}`;
  return `set OET_REST_URI (or --server-url) to ${value}`;
}

/** A non-2xx answer that is not a wrong root. */
function httpFailure(answer: HttpResponse): CheckResult {
  const type = answer.headers.get("content-type") ?? "";
  const location = answer.headers.get("location");
  if (answer.status >= 300 && answer.status < 400 && location) {
    return fail(
      "api_root",
      `GET ${redactUrl(answer.url)} is redirected (HTTP ${answer.status}) to ${
        redactUrl(new URL(location, answer.url))
      }`,
      "a login page or a proxy in front of the OET? If that is the API root, use it",
    );
  }
  return fail(
    "api_root",
    `GET ${redactUrl(answer.url)} answered HTTP ${answer.status}: ${
      serverMessage(type, answer.text, answer.statusText)
    }`,
    serverFailureHint(answer.status, type, answer.text) ??
      "the server's log may say why (OET_DEBUG=api shows the whole answer)",
  );
}

/** A routing 404: which stack answered, and where its usual roots answer. */
async function wrongRoot(
  ctx: CommandContext,
  config: Configuration,
  answer: HttpResponse,
  get: (url: string, via?: Transport) => Promise<HttpResponse>,
  found: (
    result: CheckResult,
    more?: { generation?: string; refusal?: AuthError; usable?: boolean },
  ) => ApiRootFinding,
): Promise<ApiRootFinding> {
  const text = answer.text;
  const stack = /^\s*\{\s*"detail"\s*:\s*"Not Found"\s*\}\s*$/.test(text)
    ? "fastapi"
    : /"type"\s*:\s*"Not Found"|requested URL was not found/.test(text)
    ? "flask"
    : "unknown";
  const said = stack === "fastapi"
    ? `{"detail":"Not Found"} (FastAPI: OET 7.x or later)`
    : stack === "flask"
    ? `Flask's "Not Found" (OET 5.x or 6.x)`
    : `"${serverMessage(answer.headers.get("content-type") ?? "", text, answer.statusText)}"`;
  const head = `GET ${redactUrl(answer.url)} answered 404 ${said}`;
  for (const c of candidates(config.url, stack)) {
    let exists = false;
    try {
      const r = await get(c.list, ctx.client({ serverUrl: c.root }).transport);
      exists = r.status >= 200 && r.status < 300 && procedureCount(r.text) !== undefined;
    } catch (err) {
      if (ctx.signal.aborted || err instanceof InterruptedError) throw err;
      // A refusal for authentication comes from a route that exists.
      exists = err instanceof AuthError;
    }
    if (exists) {
      return found(
        fail(
          "api_root",
          `${head}; this server's API root is ${c.root} (${generationName(c.generation)})`,
          settingHint(config.source, c.root),
        ),
        { generation: c.generation },
      );
    }
  }
  const generation = stack === "fastapi" ? "7+" : stack === "flask" ? "5/6" : undefined;
  const tried = candidates(config.url, stack).map((c) => c.root).join(", ");
  return found(
    fail(
      "api_root",
      `${head}, and no OET answers at ${tried} either`,
      "ask for the OET's API root: http://host:5000/api/v1.0 (5.x), " +
        "http://host:5000/ska-oso-oet/oet/api/v6 (6.x), …/api/v7 (7.x), …/api/v8 (8.x)",
    ),
    { generation },
  );
}

/**
 * For a routing 404 that any other command got (no hint of its own): the
 * API root that answers on the same origin, probed once as `oet doctor`
 * does, as a hint; undefined when none answers. 5.x and 6.x serve the same
 * 404 page, so the root's path alone cannot say that `/api/v1.0` is wrong
 * on a 6.x server.
 */
export async function rightRootHint(
  ctx: CommandContext,
  url: URL,
  source: string,
  message: string,
): Promise<string | undefined> {
  const stack = /requested URL was not found/.test(message)
    ? "flask"
    : /^Not Found$/.test(message)
    ? "fastapi"
    : "unknown";
  for (const c of candidates(url, stack)) {
    try {
      const r = await ctx.client({ serverUrl: c.root }).transport.send("GET", c.list, undefined, {
        followRedirects: false,
      });
      if (r.status >= 200 && r.status < 300 && procedureCount(r.text) !== undefined) {
        return `this server's API root is ${c.root} (${generationName(c.generation)}): ${
          settingHint(source, c.root)
        }`;
      }
    } catch (err) {
      if (ctx.signal.aborted || err instanceof InterruptedError) throw err;
      if (err instanceof AuthError) {
        return `this server's API root is ${c.root} (${generationName(c.generation)}): ${
          settingHint(source, c.root)
        }`;
      }
    }
  }
  return undefined;
}
