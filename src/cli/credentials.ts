/**
 * Tokens for OET deployments behind SKA's AAA, wired into the transport.
 * The auth modules are loaded only when a token is configured, an `oet
 * auth` command runs, or a server answers 401/403: against a server without
 * AAA, `oet` sends no header, reads no file and loads nothing more.
 */

import type { Bearer, Credentials } from "../api/http.ts";
import type { AuthFs } from "../auth/fs.ts";
import type { CurrentToken, TokenSource } from "../auth/token_source.ts";
import type { Env, EnvName } from "../config/config.ts";
import type { Clock } from "../domain/clock.ts";
import { tokensConfigured } from "../domain/token_settings.ts";

/** What the token source is made from. */
export interface CredentialsDeps {
  env: Env;
  /** The variables that came from `.env` (for "OET_TOKEN in .env"). */
  fromDotEnv: ReadonlySet<EnvName>;
  /** Where other variables came from ("auth_issuer of context mid"); wins over `.env`'s label. */
  labels?: Partial<Record<EnvName, string>>;
  /** The file system for OET_TOKEN_FILE and the login cache; Deno's by default. */
  fs?: AuthFs;
  clock: Clock;
  fetch: typeof fetch;
  /** `OET_DEBUG=api` lines (never a token). */
  debug?: (line: string) => void;
}

/** The transport's credentials, and the token source for the `oet auth` commands. */
export function credentialsFor(
  deps: CredentialsDeps,
): { credentials: Credentials; tokens(): Promise<TokenSource> } {
  let source: Promise<TokenSource> | undefined;
  const tokens = () =>
    source ??= (async () => {
      const [{ TokenSource }, { OidcClient }] = await Promise.all([
        import("../auth/token_source.ts"),
        import("../auth/oidc.ts"),
      ]);
      const fs = deps.fs ?? (await import("../auth/fs.ts")).denoAuthFs;
      const labels: Record<string, string> = {};
      for (const name of deps.fromDotEnv) labels[name] = `${name} in .env`;
      Object.assign(labels, deps.labels);
      return new TokenSource({
        env: deps.env,
        labels,
        fs,
        clock: deps.clock,
        oidc: () => new OidcClient({ fetch: deps.fetch, clock: deps.clock, trace: deps.debug }),
        note: deps.debug,
      });
    })();
  const configured = tokensConfigured(deps.env);
  const credentials: Credentials = {
    async bearer(signal?: AbortSignal): Promise<Bearer | undefined> {
      if (!configured) return undefined;
      return await (await tokens()).current(signal);
    },
    async refused(a) {
      return (await tokens()).errorForResponse({ ...a, sent: a.sent as CurrentToken | undefined });
    },
  };
  return { credentials, tokens };
}
