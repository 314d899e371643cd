/**
 * The first check: the settings oet would use, and where each came from
 * (flag, the environment, `.env`, the default), resolved exactly as every
 * other command resolves them.
 */

import {
  resolveReconnectWindow,
  resolveRequestTimeout,
  resolveServerUrl,
} from "../../config/config.ts";
import {
  describeContext,
  summarizeTarget,
  type Target,
  targetRequestTimeout,
  type TargetSummary,
} from "../../config/target.ts";
import { formatDuration } from "../../domain/duration.ts";
import { OetError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { type CheckResult, fail, pass } from "./check.ts";

/** The settings the later checks use. */
export interface Configuration {
  /** The API root. */
  readonly url: URL;
  /** Where it came from: `--server-url`, `OET_REST_URI in the environment`, `the default`. */
  readonly source: string;
  readonly requestTimeoutMs: number;
  /** Which context is in effect and why (undefined when resolved without the file). */
  readonly target?: TargetSummary;
}

/** "(from OET_REQUEST_TIMEOUT in .env)", or nothing for a default. */
function from(source: string): string {
  return source.startsWith("the default") ? "" : ` (from ${source})`;
}

/** "; context mid (SKA-Mid, protected), from --context", or "" when there are no contexts to speak of. */
export function contextNote(target: Target | undefined): string {
  const line = target && describeContext(target);
  return line ? `; context ${line}` : "";
}

/**
 * Resolves the settings; a bad one fails the check with the message every
 * command gives. With the target, the URL and the timeout are the target's.
 */
export function checkConfiguration(
  settings: CommandContext["settings"],
  target?: Target,
): { result: CheckResult; config?: Configuration } {
  const { env, fromDotEnv } = settings;
  const dotenv = new Set(fromDotEnv);
  try {
    const server = target
      ? { value: target.url, source: target.urlSource }
      : resolveServerUrl(settings.serverUrl, env, dotenv);
    const timeout = target
      ? targetRequestTimeout(settings.requestTimeout, env, dotenv, target)
      : resolveRequestTimeout(settings.requestTimeout, env, dotenv);
    const reconnectMs = resolveReconnectWindow(env, dotenv);
    const reconnectSource = (env.OET_RECONNECT_TIMEOUT ?? "") === ""
      ? "the default"
      : `OET_RECONNECT_TIMEOUT in ${
        dotenv.has("OET_RECONNECT_TIMEOUT") ? ".env" : "the environment"
      }`;
    const where = server.source === "the default"
      ? "the default: no flag, environment variable, .env or context names a server"
      : `from ${server.source}`;
    const detail = `${redactUrl(server.value)} (${where}); request timeout ${
      formatDuration(timeout.value)
    }${from(timeout.source)}, reconnect window ${formatDuration(reconnectMs)}${
      from(reconnectSource)
    }${contextNote(target)}`;
    return {
      result: pass("configuration", detail),
      config: {
        url: server.value,
        source: server.source,
        requestTimeoutMs: timeout.value,
        target: target && summarizeTarget(target),
      },
    };
  } catch (err) {
    if (!(err instanceof OetError)) throw err;
    return { result: fail("configuration", err.message, err.hint) };
  }
}
