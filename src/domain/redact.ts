/** Removes user:password from a URL before it is shown anywhere. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    // Unchanged when there is nothing to hide, so messages quote what was typed.
    if (!u.username && !u.password) return typeof url === "string" ? url : u.href;
    u.username = "";
    u.password = "";
    return u.href;
  } catch {
    return String(url).replace(/\/\/[^/@\s]*@/, "//");
  }
}

/** Removes every `scheme://user:pass@` credential from a free text. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1");
}
