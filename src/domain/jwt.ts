/**
 * Reading the claims of a JWT access token, for messages only.
 *
 * Nothing here verifies a signature: the server decides who may do what.
 * `oet` decodes the payload to say who a token belongs to, when it expires
 * and which roles and scopes it carries, so that a 401 or 403 can be
 * explained. A token that is not a JWT (an opaque token) is still sent; it
 * just has no claims.
 */

/** The claims `oet` shows or reasons about, normalised. Times in seconds since the epoch. */
export interface JwtClaims {
  /** Expiry (`exp`). */
  exp?: number;
  /** Issued at (`iat`). */
  iat?: number;
  /** Not before (`nbf`). */
  nbf?: number;
  /** Issuer (`iss`). */
  iss?: string;
  /** Audiences (`aud`, a string or a list in the token; always a list here). */
  aud: string[];
  /** App roles (`roles`). */
  roles: string[];
  /** Delegated scopes: `scp` and `scope`, space-separated in the token, merged here. */
  scopes: string[];
  /** Display name (`name`). */
  name?: string;
  /** Sign-in name: `preferred_username`, else `upn`, `email`, `unique_name`. */
  username?: string;
  /** Object id of the user (`oid`, Entra ID), else the subject (`sub`). */
  subject?: string;
}

// Made on first use: every start loads this module, few read a token, and
// the first TextDecoder of a process costs about 0.1 ms.
let decoder: TextDecoder | undefined;

/** Decodes base64url (padding optional); undefined if it is not base64url. */
function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const b64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (b64.length % 4 === 1) return undefined;
  try {
    const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function time(v: unknown): number | undefined {
  // Some issuers write times as numeric strings; accept those too.
  const n = typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

function list(v: unknown): string[] {
  if (typeof v === "string") return v === "" ? [] : [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x !== "");
  return [];
}

/** `scp`/`scope` are space-separated strings (RFC 8693 §4.2); some issuers send lists. */
function spaced(v: unknown): string[] {
  if (typeof v === "string") return v.split(/\s+/).filter((s) => s !== "");
  return list(v).flatMap((s) => s.split(/\s+/)).filter((s) => s !== "");
}

/**
 * The payload claims of a JWT (JWS compact form, three dot-separated parts),
 * or undefined for anything else: an opaque token, an encrypted JWT, bad
 * base64url, bad UTF-8, JSON that is not an object. Never throws.
 */
export function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || parts[1] === "") return undefined;
  const bytes = base64UrlDecode(parts[1]);
  if (!bytes) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse((decoder ??= new TextDecoder("utf-8", { fatal: true })).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const scopes = [...new Set([...spaced(p.scp), ...spaced(p.scope)])];
  return {
    exp: time(p.exp),
    iat: time(p.iat),
    nbf: time(p.nbf),
    iss: str(p.iss),
    aud: list(p.aud),
    roles: list(p.roles),
    scopes,
    name: str(p.name),
    username: str(p.preferred_username) ?? str(p.upn) ?? str(p.email) ?? str(p.unique_name),
    subject: str(p.oid) ?? str(p.sub),
  };
}

/**
 * Hides anything shaped like a JWT (`eyJ….….…`) in a text from elsewhere
 * (a server's error message), in case it echoes a token back — a cut-off
 * one too (a header alone, or header and part of the payload): base64url
 * text that starts `eyJ` is the start of a JSON object, never a word.
 */
export function redactJwts(text: string): string {
  return text.replace(/eyJ[A-Za-z0-9_-]{10,}(?:\.[A-Za-z0-9_-]*){0,2}/g, "[token]");
}

/** Secrets shorter than this are not searched for (they would match ordinary words). */
const MIN_SECRET_LENGTH = 8;

/**
 * Hides known secrets (tokens, device codes), anything shaped like a JWT,
 * and whatever follows `Bearer `, in a text from elsewhere.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let t = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH) t = t.split(s).join("[secret]");
  return redactJwts(t).replace(/\bBearer\s+\S+/gi, "Bearer [token]");
}
