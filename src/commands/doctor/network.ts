/**
 * The network checks below HTTP: DNS (`Deno.resolveDns`, then the system
 * resolver that connections use), TCP (`Deno.connect`) and TLS
 * (`Deno.startTls` on that connection). Each has its own time limit, on an
 * AbortSignal timer (no setTimeout: see domain/clock.ts).
 *
 * What Deno 2.9 tells about a TLS peer: only whether the handshake worked
 * (and the ALPN protocol). `TlsHandshakeInfo` has no certificate, so the
 * issuer and expiry of a working certificate cannot be shown; a refused one
 * is named by rustls's reason (UnknownIssuer, an expired certificate, a
 * name it is not valid for).
 */

import { connectionError } from "../../api/errors.ts";
import { formatDuration } from "../../domain/duration.ts";
import { type CheckResult, fail, pass, skip } from "./check.ts";
import { bare, parseIp, type ProxyTarget } from "./proxy.ts";

/** The first host a connection goes to: the server, or the proxy in front of it. */
export interface Hop {
  /** A host name or IP address (no brackets). */
  readonly host: string;
  readonly port: number;
  /** The proxy, when the hop is one. */
  readonly proxy?: ProxyTarget;
  /** Where the server URL came from, for hints. */
  readonly source: string;
}

/** The hop for a server URL, through its proxy if one applies. */
export function firstHop(url: URL, source: string, proxy?: ProxyTarget): Hop {
  if (proxy) return { host: proxy.host, port: proxy.port, proxy, source };
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { host: bare(url.hostname), port, source };
}

/** `host:port`, with brackets for IPv6. */
function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `the proxy proxy.example.org` or the host itself. */
function named(hop: Hop, what = hop.host): string {
  return hop.proxy ? `the proxy ${what} (${hop.proxy.name})` : what;
}

/** Where to look when the first hop cannot be found or reached. */
function whereToLook(hop: Hop, part: string): string {
  return hop.proxy
    ? `check the proxy's ${part} in ${hop.proxy.name}`
    : `check the ${part} in the server URL (from ${hop.source})`;
}

/** Errors of a name lookup (getaddrinfo), as Deno words them. */
const LOOKUP =
  /failed to lookup|Name or service not known|No address associated|nodename nor servname|Temporary failure in name resolution/i;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A signal for one check: the interrupt, or the time limit. */
function limit(ms: number, outer: AbortSignal): { signal: AbortSignal; timer: AbortSignal } {
  const timer = AbortSignal.timeout(ms);
  return { signal: AbortSignal.any([outer, timer]), timer };
}

/**
 * The system resolver's view: `Deno.connect` looks the name up as fetch
 * does (getaddrinfo: /etc/hosts, search domains), where `Deno.resolveDns`
 * asks the DNS servers only.
 */
async function systemLookup(
  hop: Hop,
  ms: number,
  outer: AbortSignal,
): Promise<{ known: true } | { known: false; reason: string }> {
  const { signal, timer } = limit(ms, outer);
  try {
    const conn = await Deno.connect({ hostname: hop.host, port: hop.port, signal });
    conn.close();
    return { known: true };
  } catch (err) {
    if (outer.aborted) throw outer.reason;
    if (timer.aborted) return { known: false, reason: `no answer within ${formatDuration(ms)}` };
    // Refused or unreachable: the name was found; the TCP check says the rest.
    return LOOKUP.test(message(err)) ? { known: false, reason: message(err) } : { known: true };
  }
}

/** DNS: the first hop's addresses. */
export async function checkDns(hop: Hop, ms: number, outer: AbortSignal): Promise<CheckResult> {
  if (parseIp(hop.host)) {
    return pass("dns", `${named(hop)} is an IP address: nothing to resolve`);
  }
  const { signal } = limit(ms, outer);
  const answers = await Promise.allSettled([
    Deno.resolveDns(hop.host, "A", { signal }),
    Deno.resolveDns(hop.host, "AAAA", { signal }),
  ]);
  if (outer.aborted) throw outer.reason;
  const addresses = answers.flatMap((a) => a.status === "fulfilled" ? a.value : []);
  if (addresses.length > 0) {
    const shown = addresses.length > 4
      ? `${addresses.slice(0, 4).join(", ")} and ${addresses.length - 4} more`
      : addresses.join(", ");
    return pass("dns", `${named(hop)} → ${shown}`);
  }
  const system = await systemLookup(hop, ms, outer);
  if (system.known) {
    return pass(
      "dns",
      `${
        named(hop)
      } is not in DNS, but the system resolver knows it (/etc/hosts or a search domain)`,
    );
  }
  return fail(
    "dns",
    `cannot resolve ${named(hop)}: ${system.reason}`,
    `${whereToLook(hop, "host name")}, and your DNS or VPN`,
    "unreachable",
  );
}

/** TCP: a connection to the first hop. */
export async function checkTcp(hop: Hop, ms: number, outer: AbortSignal): Promise<CheckResult> {
  const where = hostPort(hop.host, hop.port);
  const { signal, timer } = limit(ms, outer);
  try {
    const conn = await Deno.connect({ hostname: hop.host, port: hop.port, signal });
    const remote = (conn.remoteAddr as Deno.NetAddr).hostname;
    conn.close();
    const address = parseIp(hop.host) ? "" : ` (${remote})`;
    return pass("tcp", `connected to ${named(hop, where)}${address}`);
  } catch (err) {
    if (outer.aborted) throw outer.reason;
    if (timer.aborted) {
      return fail(
        "tcp",
        `no answer from ${named(hop, where)} within ${formatDuration(ms)}`,
        "a firewall may be dropping the connection, or the host is down; check your VPN",
        "unreachable",
      );
    }
    const text = message(err);
    if (/refused|os error 111/i.test(text)) {
      return fail(
        "tcp",
        `connection refused by ${named(hop, where)}`,
        hop.proxy
          ? `is the proxy running? ${whereToLook(hop, "port")}`
          : `nothing listens there: is the OET server running, and is the port in the server ` +
            `URL (from ${hop.source}) right?`,
        "unreachable",
      );
    }
    return fail(
      "tcp",
      `cannot connect to ${named(hop, where)}: ${text}`,
      "check the network route to the host (VPN, firewall)",
      "unreachable",
    );
  }
}

/** What rustls's refusal means, and what to do. */
function tlsFailure(err: unknown, where: string, servername: string, url: URL): CheckResult {
  const text = message(err);
  const reason = text.replace(/^invalid peer certificate:\s*/i, "");
  if (/UnknownIssuer/.test(text)) {
    return fail(
      "tls",
      `the certificate of ${where} is signed by a CA this machine does not trust (UnknownIssuer)`,
      connectionError(err, url.href).hint,
      "unreachable",
    );
  }
  if (/NotValidYet|not valid yet/i.test(text)) {
    return fail(
      "tls",
      `the certificate of ${where} is not valid yet (${reason})`,
      "check this machine's clock",
      "unreachable",
    );
  }
  if (/Expired/i.test(text)) {
    return fail(
      "tls",
      `the certificate of ${where} has expired (${reason})`,
      "whoever runs the server (or its ingress) must renew it; if it should be valid, check this machine's clock",
      "unreachable",
    );
  }
  if (/NotValidForName|not valid for name/i.test(text)) {
    return fail(
      "tls",
      `the certificate of ${where} is not valid for ${servername} (${reason})`,
      "use a host name the certificate names in the server URL",
      "unreachable",
    );
  }
  if (/InvalidContentType|corrupt message/i.test(text)) {
    return fail(
      "tls",
      `${where} does not answer in TLS (${text})`,
      "is the server plain http? try http:// in the server URL",
      "unreachable",
    );
  }
  return fail(
    "tls",
    `TLS handshake with ${where} failed: ${text}`,
    connectionError(err, url.href).hint,
    "unreachable",
  );
}

/**
 * TLS, for https servers reached directly: the handshake, with the
 * runtime's trust store (DENO_CERT, NODE_EXTRA_CA_CERTS and
 * DENO_TLS_CA_STORE apply, as for every request).
 */
export async function checkTls(
  url: URL,
  hop: Hop,
  ms: number,
  outer: AbortSignal,
): Promise<CheckResult> {
  if (url.protocol !== "https:") return pass("tls", "not used: the server URL is http://");
  if (hop.proxy) {
    return skip(
      "tls",
      `https goes through a tunnel of the proxy ${hop.proxy.shown} (${hop.proxy.name}); ` +
        "the api root check goes through it too",
    );
  }
  const where = hostPort(hop.host, hop.port);
  const { signal, timer } = limit(ms, outer);
  let conn: Deno.Conn | undefined;
  // Closing the connection is what ends a handshake that hangs.
  const close = () => {
    try {
      conn?.close();
    } catch {
      // already closed
    }
  };
  signal.addEventListener("abort", close, { once: true });
  try {
    const tcp = await Deno.connect({ hostname: hop.host, port: hop.port, signal });
    conn = tcp;
    if (signal.aborted) close();
    const tls = await Deno.startTls(tcp, { hostname: hop.host });
    conn = tls;
    if (signal.aborted) close();
    await tls.handshake();
    return pass(
      "tls",
      `handshake with ${where} done: the certificate is valid for ${hop.host} and signed by a ` +
        "CA this machine trusts; its issuer and expiry are not available (Deno does not show " +
        "the peer's certificate)",
    );
  } catch (err) {
    if (outer.aborted) throw outer.reason;
    if (timer.aborted) {
      return fail(
        "tls",
        `no TLS handshake with ${where} within ${formatDuration(ms)}`,
        "the port may not speak TLS, or something in between holds the connection",
        "unreachable",
      );
    }
    return tlsFailure(err, where, hop.host, url);
  } finally {
    signal.removeEventListener("abort", close);
    close();
  }
}
