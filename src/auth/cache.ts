/**
 * The token cache that `oet auth login` writes: one JSON file,
 * `$XDG_CONFIG_HOME/oet/tokens.json` (else `$HOME/.config/oet/tokens.json`),
 * with one entry per issuer + client id + scope.
 *
 * It holds refresh tokens, so it is kept as ssh keeps a private key: the
 * directory is 0700, the file 0600, and a file or directory that other users
 * can open is refused rather than used (or silently "fixed"). Writes go to a
 * new 0600 file in the same directory, renamed over the old one, so a reader
 * sees the old file or the new one, never half of one, and the secret is
 * never in a file with wider permissions, not even for a moment.
 */

import { AuthError, OetError } from "../domain/errors.ts";
import { type AuthFs, fsReason } from "./fs.ts";
import { trimTrailingSlashes } from "../domain/text.ts";

/** The login an entry belongs to. */
export interface CacheKey {
  /** Without trailing slashes. */
  issuer: string;
  clientId: string;
  /** Space-separated, sorted, without duplicates. */
  scope: string;
}

/** One cached login. Times in seconds since the epoch. */
export interface CacheEntry extends CacheKey {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires (its `exp`, else `expires_in` from the issuer). */
  expiresAt?: number;
  /** When the tokens were obtained. */
  obtainedAt: number;
}

/** A cache entry without its secrets: what logout reports and status shows. */
export interface CacheEntrySummary extends CacheKey {
  expiresAt?: number;
  obtainedAt: number;
  hasRefreshToken: boolean;
}

/** What `removeAll` did. */
export interface RemovedLogins {
  /** The cache file. */
  path: string;
  /** The logins that were in it (none if it was damaged). */
  entries: CacheEntrySummary[];
  /** Whether there was a file to remove. */
  fileRemoved: boolean;
}

/** The environment variables that decide where the cache is. */
export interface CacheEnv {
  XDG_CONFIG_HOME?: string;
  HOME?: string;
}

/** The cache file's name in its directory. */
export const CACHE_FILE_NAME = "tokens.json";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** Any permission for group or others, as ssh checks a private key. */
const OPEN_BITS = 0o077;

/**
 * Where the cache lives: `$XDG_CONFIG_HOME/oet/tokens.json`, else
 * `$HOME/.config/oet/tokens.json`. A relative XDG_CONFIG_HOME is ignored, as
 * the XDG spec says.
 */
export function cachePath(env: CacheEnv): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  if (xdg && xdg.startsWith("/")) return `${trimTrailingSlashes(xdg)}/oet/${CACHE_FILE_NAME}`;
  const home = env.HOME?.trim();
  if (home && home.startsWith("/")) {
    return `${trimTrailingSlashes(home)}/.config/oet/${CACHE_FILE_NAME}`;
  }
  throw new OetError(
    "cannot tell where to keep the login: neither HOME nor XDG_CONFIG_HOME is an absolute path",
    { hint: "set HOME (or XDG_CONFIG_HOME) to a directory of your own, or set OET_TOKEN" },
  );
}

/** The key of a login, normalised so that equivalent settings find the same entry. */
export function cacheKey(issuer: string, clientId: string, scope: string): CacheKey {
  return {
    issuer: trimTrailingSlashes(issuer.trim()),
    clientId: clientId.trim(),
    scope: [...new Set(scope.split(/\s+/).filter((s) => s !== ""))].sort().join(" "),
  };
}

function sameKey(a: CacheKey, b: CacheKey): boolean {
  return a.issuer === b.issuer && a.clientId === b.clientId && a.scope === b.scope;
}

/** An entry without its secrets. */
export function summarise(e: CacheEntry): CacheEntrySummary {
  return {
    issuer: e.issuer,
    clientId: e.clientId,
    scope: e.scope,
    expiresAt: e.expiresAt,
    obtainedAt: e.obtainedAt,
    hasRefreshToken: e.refreshToken !== undefined,
  };
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

/** A cache file that is not JSON of the expected shape (logging in again replaces it). */
class DamagedCacheError extends AuthError {}

function isString(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

function isTime(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Entries from the file's JSON; entries of another shape are dropped. */
function parseEntries(text: string, path: string): CacheEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const entries = (data as { entries?: unknown } | undefined)?.entries;
  if ((data as { version?: unknown } | undefined)?.version !== 1 || !Array.isArray(entries)) {
    throw new DamagedCacheError(
      "login",
      `the token cache ${path} is damaged (not a cache oet wrote)`,
      { hint: "remove it with: oet auth logout, then log in again: oet auth login" },
    );
  }
  const out: CacheEntry[] = [];
  for (const e of entries as Record<string, unknown>[]) {
    if (
      typeof e !== "object" || e === null || !isString(e.issuer) || !isString(e.clientId) ||
      typeof e.scope !== "string" || !isString(e.accessToken) || !isTime(e.obtainedAt)
    ) continue;
    out.push({
      ...cacheKey(e.issuer, e.clientId, e.scope),
      accessToken: e.accessToken,
      refreshToken: isString(e.refreshToken) ? e.refreshToken : undefined,
      expiresAt: isTime(e.expiresAt) ? e.expiresAt : undefined,
      obtainedAt: e.obtainedAt,
    });
  }
  return out;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The token cache file. Cheap to construct: nothing is read until asked. */
export class TokenCache {
  /** The cache file. */
  readonly path: string;
  /** Its directory. */
  readonly dir: string;
  readonly #fs: AuthFs;

  constructor(path: string, fs: AuthFs) {
    this.path = path;
    this.dir = path.replace(/\/[^/]*$/, "") || "/";
    this.#fs = fs;
  }

  /** Refuses a directory or file that other users can open. */
  #checkPrivate(path: string, mode: number | null, kind: "file" | "directory"): void {
    if (mode === null || (mode & OPEN_BITS) === 0) return;
    const fix = kind === "file" ? `chmod 600 ${path}` : `chmod 700 ${path}`;
    throw new AuthError(
      "login",
      `the token cache ${kind === "file" ? "" : "directory "}${path} is open to other users ` +
        `(mode ${octal(mode)}), so oet will not use it`,
      { hint: `make it private: ${fix}; then log in again if others may have read it` },
    );
  }

  /** Every entry; none if there is no cache file. */
  async #load(): Promise<CacheEntry[]> {
    let text: string | undefined;
    try {
      const info = await this.#fs.stat(this.path);
      if (!info) return [];
      this.#checkPrivate(this.path, info.mode, "file");
      const dirInfo = await this.#fs.stat(this.dir);
      if (dirInfo) this.#checkPrivate(this.dir, dirInfo.mode, "directory");
      text = await this.#fs.readTextFile(this.path);
    } catch (err) {
      if (err instanceof OetError) throw err;
      throw new AuthError("login", `cannot read the token cache ${this.path}: ${fsReason(err)}`, {
        cause: err,
      });
    }
    return text === undefined ? [] : parseEntries(text, this.path);
  }

  /** Writes every entry: new 0600 file in the same directory, then rename. */
  async #save(entries: CacheEntry[]): Promise<void> {
    const text = JSON.stringify({ version: 1, entries }, null, 2) + "\n";
    const tmp = `${this.dir}/.${CACHE_FILE_NAME}.${randomSuffix()}.tmp`;
    let created = false;
    try {
      await this.#fs.mkdir(this.dir, DIR_MODE);
      const dirInfo = await this.#fs.stat(this.dir);
      if (dirInfo) this.#checkPrivate(this.dir, dirInfo.mode, "directory");
      await this.#fs.writeTextFile(tmp, text, { mode: FILE_MODE, createNew: true });
      created = true;
      await this.#fs.rename(tmp, this.path);
      created = false;
    } catch (err) {
      if (created) await this.#fs.remove(tmp).catch(() => false);
      if (err instanceof OetError) throw err;
      throw new OetError(`cannot save the login in ${this.path}: ${fsReason(err)}`, {
        hint: err instanceof Deno.errors.NotCapable
          // Deno's sandbox, not the file system: the binary's --allow-write does not cover it.
          ? `this oet may write only where its --allow-write permission says; run it with ` +
            `--allow-write=${this.dir}, or set OET_TOKEN instead of logging in`
          : `check that ${this.dir} is a directory you can write, or set XDG_CONFIG_HOME to one`,
        cause: err,
      });
    }
  }

  /**
   * Checks, without reading secrets, that an existing cache file and
   * directory are private (before a login, so a refusal comes before the
   * user signs in rather than after).
   */
  async assertPrivate(): Promise<void> {
    for (const [path, kind] of [[this.dir, "directory"], [this.path, "file"]] as const) {
      let info;
      try {
        info = await this.#fs.stat(path);
      } catch (err) {
        throw new AuthError("login", `cannot read the token cache ${path}: ${fsReason(err)}`, {
          cause: err,
        });
      }
      if (info) this.#checkPrivate(path, info.mode, kind);
    }
  }

  /** The entry for `key`, or undefined. */
  async get(key: CacheKey): Promise<CacheEntry | undefined> {
    return (await this.#load()).find((e) => sameKey(e, key));
  }

  /** Every entry, without secrets. */
  async list(): Promise<CacheEntrySummary[]> {
    return (await this.#load()).map(summarise);
  }

  /** Adds or replaces the entry for its key. A damaged file is replaced. */
  async put(entry: CacheEntry): Promise<void> {
    let entries: CacheEntry[];
    try {
      entries = await this.#load();
    } catch (err) {
      // A damaged file is unusable anyway; logging in again replaces it.
      // Files open to others, or unreadable, still stop us.
      if (!(err instanceof DamagedCacheError)) throw err;
      entries = [];
    }
    const key = cacheKey(entry.issuer, entry.clientId, entry.scope);
    const kept = entries.filter((e) => !sameKey(e, key));
    await this.#save([...kept, { ...entry, ...key }]);
  }

  /** Removes the entry for `key` (the file too, if it was the last); what was removed. */
  async remove(key: CacheKey): Promise<CacheEntrySummary | undefined> {
    const entries = await this.#load();
    const found = entries.find((e) => sameKey(e, key));
    if (!found) return undefined;
    const kept = entries.filter((e) => e !== found);
    if (kept.length === 0) await this.#removeFile();
    else await this.#save(kept);
    return summarise(found);
  }

  /** Removes the whole cache file, even a damaged one; what was in it. */
  async removeAll(): Promise<RemovedLogins> {
    let entries: CacheEntrySummary[] = [];
    try {
      entries = await this.list();
    } catch (err) {
      // Damaged or open to others: forgetting it is exactly what is wanted.
      if (!(err instanceof AuthError)) throw err;
    }
    const fileRemoved = await this.#removeFile();
    return { path: this.path, entries, fileRemoved };
  }

  async #removeFile(): Promise<boolean> {
    try {
      return await this.#fs.remove(this.path);
    } catch (err) {
      throw new OetError(`cannot remove the token cache ${this.path}: ${fsReason(err)}`, {
        hint: `remove it by hand: rm ${this.path}`,
        cause: err,
      });
    }
  }
}
