/**
 * The configuration file: named contexts (one per deployment) and which one
 * is current. TOML, at `$OET_CONFIG` (the real environment only), else
 * `$XDG_CONFIG_HOME/oet/config.toml`, else `~/.config/oet/config.toml`:
 *
 * ```toml
 * current-context = "mid-staging"
 *
 * [contexts.mid-staging]
 * server_url = "https://mid-staging.example/ska-oso-oet/oet/api/v7"
 * telescope = "SKA-Mid"
 * protected = false
 * ```
 *
 * A missing file is an empty configuration, read without loading the TOML
 * parser (most machines, every CI job); the parser is loaded only when a
 * file exists. A file that is not TOML, or not of this shape, is one usage
 * error naming its line, and no command ever writes over it. Commands
 * rewrite the file whole (comments are not kept) through a new file renamed
 * over the old one, so a reader never sees half of one.
 */

import { parseDuration } from "../domain/duration.ts";
import { UsageError } from "../domain/errors.ts";
import type { FileSystem } from "../domain/files.ts";
import type { Env } from "./config.ts";
import { trimTrailingSlashes } from "../domain/text.ts";

/** The settings of one context, as the file spells them. */
export interface ContextSettings {
  server_url: string;
  /** A label shown before a command changes the telescope: `SKA-Mid`. */
  telescope?: string;
  /** Commands that change what the telescope does need a typed confirmation or `--yes`. */
  protected?: boolean;
  auth_issuer?: string;
  auth_client_id?: string;
  auth_scope?: string;
  /** A duration: `35s`, `2m`. */
  request_timeout?: string;
}

/** The keys of a context table, in the order they are written. */
export const CONTEXT_KEYS = [
  "server_url",
  "telescope",
  "protected",
  "auth_issuer",
  "auth_client_id",
  "auth_scope",
  "request_timeout",
] as const satisfies readonly (keyof ContextSettings)[];

/** What the file holds. Contexts keep the file's order. */
export interface ConfigData {
  currentContext?: string;
  contexts: Record<string, ContextSettings>;
}

/** The file as read: where it is, whether it exists, what it says. */
export interface LoadedConfig {
  path: string;
  /** Why this path: `OET_CONFIG`, `XDG_CONFIG_HOME`, `HOME`. */
  pathSource: string;
  exists: boolean;
  data: ConfigData;
}

/** The file operations the configuration needs. */
export type ConfigFs = Pick<
  FileSystem,
  "readTextFile" | "writeTextFile" | "rename" | "mkdir" | "remove"
>;

/** A context name: letters, digits, `.`, `_`, `-`. */
export const CONTEXT_NAME = /^[A-Za-z0-9._-]+$/;

/** The configuration directory is private: it holds the login cache too. */
export const CONFIG_DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The file's name in its directory. */
export const CONFIG_FILE_NAME = "config.toml";

/**
 * Where the file is, and why; undefined when nothing says (no OET_CONFIG and
 * neither XDG_CONFIG_HOME nor HOME is an absolute path). `realEnv` is the
 * real environment: `.env` cannot move the file. A set but empty OET_CONFIG
 * is a usage error (an unset variable is the way to say "the default").
 */
export function configPath(realEnv: Env): { path: string; source: string } | undefined {
  const given = realEnv.OET_CONFIG;
  if (given !== undefined) {
    if (given.trim() === "") {
      throw new UsageError("OET_CONFIG in the environment is set but empty", {
        hint:
          "give OET_CONFIG a value, or unset it (unset OET_CONFIG) for ~/.config/oet/config.toml",
      });
    }
    return { path: given, source: "OET_CONFIG" };
  }
  const xdg = realEnv.XDG_CONFIG_HOME?.trim();
  if (xdg && xdg.startsWith("/")) {
    return {
      path: `${trimTrailingSlashes(xdg)}/oet/${CONFIG_FILE_NAME}`,
      source: "XDG_CONFIG_HOME",
    };
  }
  const home = realEnv.HOME?.trim();
  if (home && home.startsWith("/")) {
    return { path: `${trimTrailingSlashes(home)}/.config/oet/${CONFIG_FILE_NAME}`, source: "HOME" };
  }
  return undefined;
}

/** An empty configuration. */
export function emptyConfig(): ConfigData {
  return { contexts: {} };
}

/**
 * Reads the file. Missing: an empty configuration (the parser is not
 * loaded). Malformed: a UsageError `PATH:LINE: what is wrong`.
 */
export async function readConfig(
  read: (path: string) => Promise<string | undefined>,
  where: { path: string; source: string },
): Promise<LoadedConfig> {
  const text = await read(where.path);
  if (text === undefined) {
    return { path: where.path, pathSource: where.source, exists: false, data: emptyConfig() };
  }
  return {
    path: where.path,
    pathSource: where.source,
    exists: true,
    data: await parseConfig(text, where.path),
  };
}

/** The 1-based line of the first match of `pattern` in `text`, else undefined. */
function lineOf(text: string, pattern: RegExp): number | undefined {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => pattern.test(l));
  return i < 0 ? undefined : i + 1;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Parses and checks the file's text; see readConfig. */
export async function parseConfig(text: string, path: string): Promise<ConfigData> {
  const { parse, TomlError } = await import("smol-toml");
  const bad = (line: number | undefined, what: string) =>
    new UsageError(`${path}${line ? `:${line}` : ""}: ${what}`, {
      hint: `fix the file by hand (oet does not rewrite a file it cannot read), or move it away`,
    });
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const what = err.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw bad(err.line, `not valid TOML: ${what}`);
    }
    throw err;
  }
  const data = emptyConfig();
  for (const [key, value] of Object.entries(doc)) {
    const line = lineOf(text, new RegExp(`^\\s*["']?${escapeRe(key)}["']?\\s*[=.\\[]`)) ??
      lineOf(text, new RegExp(`^\\s*\\[\\s*["']?${escapeRe(key)}`));
    if (key === "current-context") {
      if (typeof value !== "string" || !CONTEXT_NAME.test(value)) {
        throw bad(line, "current-context must be the name of a context (a string)");
      }
      data.currentContext = value;
    } else if (key === "contexts") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw bad(line, "contexts must be a table of [contexts.NAME] tables");
      }
      for (const [name, table] of Object.entries(value as Record<string, unknown>)) {
        data.contexts[name] = checkContext(name, table, text, bad);
      }
    } else {
      throw bad(
        line,
        `unknown key ${JSON.stringify(key)} (expected current-context, [contexts.NAME])`,
      );
    }
  }
  return data;
}

function checkContext(
  name: string,
  table: unknown,
  text: string,
  bad: (line: number | undefined, what: string) => UsageError,
): ContextSettings {
  const header = lineOf(
    text,
    new RegExp(`^\\s*\\[\\s*contexts\\s*\\.\\s*["']?${escapeRe(name)}["']?\\s*\\]`),
  );
  if (!CONTEXT_NAME.test(name)) {
    throw bad(header, `context name ${JSON.stringify(name)} may hold only A-Z a-z 0-9 . _ -`);
  }
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw bad(header, `contexts.${name} must be a table`);
  }
  // The line of a key inside this context's table (after its header).
  const keyLine = (key: string) => {
    const lines = text.split(/\r?\n/);
    for (let i = (header ?? 1) - 1; i < lines.length; i++) {
      if (new RegExp(`^\\s*${escapeRe(key)}\\s*=`).test(lines[i])) return i + 1;
    }
    return header;
  };
  const out: Partial<ContextSettings> = {};
  for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
    if (!(CONTEXT_KEYS as readonly string[]).includes(key)) {
      throw bad(
        keyLine(key),
        `unknown key ${JSON.stringify(key)} in context ${name} (expected ${
          CONTEXT_KEYS.join(", ")
        })`,
      );
    }
    if (key === "protected") {
      if (typeof value !== "boolean") {
        throw bad(keyLine(key), `protected in context ${name} must be true or false`);
      }
      out.protected = value;
    } else if (key === "request_timeout") {
      const d = typeof value === "number" ? String(value) : value;
      const ms = typeof d === "string" ? parseDuration(d) : undefined;
      if (typeof d !== "string" || ms === undefined || ms <= 0) {
        throw bad(
          keyLine(key),
          `request_timeout in context ${name} must be a duration such as "35s"`,
        );
      }
      out.request_timeout = d;
    } else {
      if (typeof value !== "string" || value.trim() === "") {
        throw bad(keyLine(key), `${key} in context ${name} must be a non-empty string`);
      }
      (out as Record<string, string>)[key] = value;
    }
  }
  if (out.server_url === undefined) {
    throw bad(header, `context ${name} has no server_url`);
  }
  return out as ContextSettings;
}

/** The file's text for `data` (keys in a fixed order; comments are not kept). */
export async function formatConfig(data: ConfigData): Promise<string> {
  const { stringify } = await import("smol-toml");
  const doc: Record<string, unknown> = {};
  if (data.currentContext !== undefined) doc["current-context"] = data.currentContext;
  const contexts: Record<string, Record<string, unknown>> = {};
  for (const [name, c] of Object.entries(data.contexts)) {
    const table: Record<string, unknown> = {};
    for (const key of CONTEXT_KEYS) if (c[key] !== undefined) table[key] = c[key];
    contexts[name] = table;
  }
  if (Object.keys(contexts).length) doc.contexts = contexts;
  return `# oet contexts (oet context --help). oet rewrites this file: comments are not kept.\n${
    stringify(doc)
  }\n`;
}

/** The directory part of a path ("." for a bare name). */
function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/**
 * Writes the file atomically: a new 0600 file in the same directory
 * (created 0700 if missing), renamed over the old one.
 */
export async function writeConfig(
  fs: ConfigFs,
  path: string,
  data: ConfigData,
  random: () => number = Math.random,
): Promise<void> {
  const text = await formatConfig(data);
  const dir = dirOf(path);
  await fs.mkdir(dir, CONFIG_DIR_MODE);
  const tmp = `${path}.${Math.floor(random() * 0xffffffff).toString(16)}.tmp`;
  try {
    await fs.writeTextFile(tmp, text, { mode: FILE_MODE, createNew: true });
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.remove(tmp).catch(() => false);
    throw err;
  }
}
