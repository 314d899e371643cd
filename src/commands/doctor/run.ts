/**
 * The order of `oet doctor`'s checks and what each needs from those before
 * it: nothing is tried over a hop that already failed, and nothing is sent
 * with a token oet would not send.
 */

import type { AuthStatus } from "../../auth/token_source.ts";
import { OetError } from "../../domain/errors.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { type ApiRootFinding, checkApiRoot } from "./api_root.ts";
import { checkAuth, tokenBlocks } from "./auth.ts";
import { CHECK_NAMES, type CheckResult, fail, skip } from "./check.ts";
import type { Target } from "../../config/target.ts";
import { checkConfiguration } from "./configuration.ts";
import { checkDns, checkTcp, checkTls, firstHop } from "./network.ts";
import { checkProxy, proxyRoute } from "./proxy.ts";
import type { DoctorOutcome } from "./report.ts";
import { checkStream, STREAM_LIMIT_MS } from "./stream.ts";

/** The longest a DNS lookup, a connection or a handshake may take (or the request timeout, if shorter). */
export const NETWORK_LIMIT_MS = 10_000;

/** Runs every check in order; `emit` gets each result as soon as it is known. */
export async function runDoctor(
  ctx: CommandContext,
  emit: (r: CheckResult) => void,
): Promise<DoctorOutcome> {
  const results: CheckResult[] = [];
  const add = (r: CheckResult): CheckResult => {
    results.push(r);
    emit(r);
    return r;
  };

  let target: Target | undefined;
  let targetError: OetError | undefined;
  try {
    target = await ctx.target();
  } catch (err) {
    if (!(err instanceof OetError)) throw err;
    targetError = err;
  }
  const { result, config } = targetError
    ? { result: fail("configuration", targetError.message, targetError.hint), config: undefined }
    : checkConfiguration(ctx.settings, target);
  add(result);
  if (!config) {
    for (const name of CHECK_NAMES.slice(1)) add(skip(name, "the configuration is not usable"));
    return { results };
  }
  // Made now (no request yet) so that runCli knows where the URL came from.
  const client = ctx.client();
  const route = proxyRoute(ctx.settings.env, config.url);
  const hop = firstHop(config.url, config.source, route.via);
  const limit = Math.min(NETWORK_LIMIT_MS, config.requestTimeoutMs);
  let status: AuthStatus | OetError;
  try {
    status = await (await ctx.tokens()).status();
  } catch (err) {
    if (!(err instanceof OetError)) throw err;
    status = err;
  }

  // Each hop needs the one before it.
  let broken: string | undefined;
  const network = [
    ["dns", () => checkDns(hop, limit, ctx.signal)],
    ["tcp", () => checkTcp(hop, limit, ctx.signal)],
    ["tls", () => checkTls(config.url, hop, limit, ctx.signal)],
  ] as const;
  for (const [name, check] of network) {
    if (broken) add(skip(name, `the ${broken} check failed`));
    else if ((add(await check())).ok === false) broken = name;
  }

  let api: ApiRootFinding | undefined;
  if (broken) add(skip("api_root", `the ${broken} check failed`));
  else if (tokenBlocks(status)) add(skip("api_root", "oet has no token it would send"));
  else add((api = await checkApiRoot(ctx, config)).result);

  let refusal = api?.refusal;
  if (!api) {
    add(
      skip(
        "event_stream",
        broken ? `the ${broken} check failed` : "oet has no token it would send",
      ),
    );
  } else if (refusal) {
    add(skip("event_stream", "authentication failed first (see authentication)"));
  } else if (!api.usable) {
    add(skip("event_stream", "the api root check failed"));
  } else {
    const stream = await checkStream(
      client,
      Math.min(STREAM_LIMIT_MS, config.requestTimeoutMs),
      ctx.signal,
    );
    add(stream.result);
    refusal = stream.refusal;
  }

  add(checkAuth({ status, refusal, reached: api?.reached ?? false, date: api?.date }));
  add(checkProxy(route, config.url, api?.result.ok ?? null));
  return { results, config, generation: api?.generation };
}
