/**
 * Which settings give `oet` a token, and the one check of whether any is
 * given. The CLI asks it at start-up without loading the auth modules (a
 * server without AAA loads none of them); the token source asks the same.
 */

/** The variables that give a token: a fixed one, a file, or the three login settings. */
export const TOKEN_SETTINGS = [
  "OET_TOKEN",
  "OET_TOKEN_FILE",
  "OET_AUTH_ISSUER",
  "OET_AUTH_CLIENT_ID",
  "OET_AUTH_SCOPE",
] as const;

/** The name of a token setting. */
export type TokenSetting = (typeof TOKEN_SETTINGS)[number];

/** True for a setting that is given: set, and not only blanks. */
export function isGiven(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

/** Whether any token source or login setting is given (nothing is read to tell). */
export function tokensConfigured(env: Partial<Record<TokenSetting, string>>): boolean {
  return TOKEN_SETTINGS.some((k) => isGiven(env[k]));
}
