/** Removes user:password from a URL before it is shown anywhere. */
export function redactUrl(url: string | URL): string {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    // not a URL: see below
  }
  // `user:pass@host/api` parses as scheme `user:` with no host: text, not a URL.
  if (u && (u.host || !String(url).includes("@"))) {
    // Unchanged when there is nothing to hide, so messages quote what was typed.
    if (!u.username && !u.password) return typeof url === "string" ? url : u.href;
    u.username = "";
    u.password = "";
    return u.href;
  }
  // No telling where its user info ends: hide all up to the last "@" (a
  // password may hold "/", " " or "#", which break parsing).
  return String(url).replace(/^([a-z][a-z0-9+.-]*:\/\/|\/\/)?.*@/i, "$1");
}

/** Removes every `scheme://user:pass@` credential from a free text. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1");
}
