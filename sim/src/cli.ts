/**
 * Command-line flags of `deno task sim`. `deno task` passes a literal `--`
 * through to the script, so a leading `--` is skipped.
 */

import { CATALOGUE } from "./catalogue.ts";
import type { Telescope } from "./aaa.ts";
import type { Faults } from "./faults.ts";
import { type Flavor, FLAVORS } from "./flavor.ts";
import type { Identity, IssuerSwitches } from "./issuer.ts";
import {
  type AuthOptions,
  DEFAULT_GET_LAG_MS,
  DEFAULT_STEP_MS,
  FAST_STEP_MS,
  type SimulatorOptions,
} from "./server.ts";

/** What the command line asked for. */
export type SimCommand =
  | { kind: "help" }
  | { kind: "run"; options: SimulatorOptions; log: boolean };

/** Usage text for `--help`. */
export function usage(): string {
  const scripts = CATALOGUE.map((s) => `    ${s.name.padEnd(26)} ${s.summary}`).join("\n");
  return `Usage: deno task sim -- [options]

Runs a local OET simulator and prints its API root URL.

Options:
  --flavor v5|v6|v7|v8     server generation to play (default v5): 5.4.0, 6.6.0, 7.0.0, 8.0.0rc1
  --port N                 port to listen on; 0 = any free port (default 5000)
  --host H                 interface to listen on (default 127.0.0.1)
  --sbd-dir DIR            directory of <sbd_id>.json files (searched before the samples)
  --step-ms N              duration of one lifecycle step (default ${DEFAULT_STEP_MS}; a script tick = 5 steps)
  --fast                   same as --step-ms ${FAST_STEP_MS}
  --workers N              worker threads (default 4 on v5/v6, 40 on v7/v8; 0 = no limit)
  --get-lag-ms N           a state change shows in GET N ms after the stream has it (default ${DEFAULT_GET_LAG_MS})
  --log                    log each request to stderr
Fault switches:
  --latency-ms N           delay before each request is handled
  --slow-headers-ms N      delay before each response's headers are sent
  --drop-stream-after N    cut each event stream in the middle of event N+1
  --fail-next N            answer the next N requests with a 500
  --fail-path REGEX        answer requests whose path matches REGEX with a 500
  --fail-read N[-M]:REGEX  answer the Nth (through Mth) GET whose path matches REGEX with a 500
  --malformed-json N|all   truncate the next N (or all) successful JSON bodies
  --stream-lag-ms N        deliver every stream's events N ms late (the stream behind GET)
  --start-500-but-runs N|all  the next N (or all) starts run but answer 500
  --redirect-to ORIGIN     answer every request with a 307 to the same path at ORIGIN
AAA mode (--auth; every --auth-*, --auto-approve and --issuer-* flag turns it on too):
  --auth                   every endpoint wants a bearer token from the issuer at <origin>/issuer
  --auth-audience AUD      the OET's audience (default api://oet-sim)
  --auth-telescope mid|low whose operator role is accepted besides SW_ENGINEER (default mid)
  --auth-client-id ID      the public client id the issuer knows (default oet-cli)
  --auth-activity-run-scope S  the scope POST activities wants (default activity:read)
  --auth-no-token-status 401|403  the answer to a request without a token (default 403)
  --auth-echo-token        quote the token in refusals (a careless server)
  --auto-approve[=N]       approve every login code after N polls (default 0: at once)
  --auth-user NAME         who approved logins sign in as (default Ada Lovelace)
  --auth-roles R,R         their roles (default SW_ENGINEER)
  --auth-scopes S,S        their OET scopes (default: what the login asked for)
  --token-ttl S            access token lifetime in seconds (default 3600; 0 = already expired)
  --no-refresh-tokens      issue no refresh tokens
  --no-rotate-refresh-tokens  keep the refresh token on renewal (default: a new one each time)
  --poll-interval S        the interval login codes ask for (default 5)
  --device-code-ttl S      how long a login code lasts (default 900)
  --issuer-pending N       answer authorization_pending to the next N polls
  --issuer-slow-down N     answer slow_down to the next N polls
  --issuer-expired-token N answer expired_token to the next N polls
  --issuer-access-denied N answer access_denied to the next N polls
  -h, --help               show this help

Scripts (chosen by file name, any directory):
${scripts}
`;
}

function int(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new Error(`${flag} needs a non-negative integer, got ${value ?? "nothing"}`);
  }
  return Number(value);
}

/** Parses the command line (without the program name). */
export function parseSimArgs(argv: string[]): SimCommand {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let flavor: Flavor = "v5";
  let port = 5000;
  let hostname = "127.0.0.1";
  let sbdDir: string | undefined;
  let stepMs = DEFAULT_STEP_MS;
  let workers: number | undefined;
  let getLagMs: number | undefined;
  let streamLagMs: number | undefined;
  let log = false;
  const faults: Faults = {};
  let auth: AuthOptions | undefined;
  const aaa = (): AuthOptions => auth ??= {};
  const issuer = (): IssuerSwitches => aaa().issuer ??= {};
  const who = (): Identity => issuer().autoApproveAs ??= {};
  const names = (flag: string, v: string | undefined): string[] => {
    const list = (v ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
    if (list.length === 0) throw new Error(`${flag} needs a comma-separated list`);
    return list;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? args[++i];
    switch (flag) {
      case "-h":
      case "--help":
        return { kind: "help" };
      case "--flavor":
      case "--flavour": {
        const v = value();
        if (!FLAVORS.includes(v as Flavor)) {
          throw new Error(
            `--flavor must be ${FLAVORS.slice(0, -1).join(", ")} or ${FLAVORS.at(-1)}`,
          );
        }
        flavor = v as Flavor;
        break;
      }
      case "--port":
        port = int(flag, value());
        break;
      case "--host":
      case "--hostname":
        hostname = value() ?? hostname;
        break;
      case "--sbd-dir":
        sbdDir = value();
        break;
      case "--step-ms":
        stepMs = int(flag, value());
        break;
      case "--fast":
        stepMs = FAST_STEP_MS;
        break;
      case "--workers":
        workers = int(flag, value());
        break;
      case "--get-lag-ms":
        getLagMs = int(flag, value());
        break;
      case "--stream-lag-ms":
        streamLagMs = int(flag, value());
        break;
      case "--start-500-but-runs": {
        const v = value();
        faults.start500ButRuns = v === "all" ? Infinity : int(flag, v);
        break;
      }
      case "--log":
        log = true;
        break;
      case "--latency-ms":
        faults.latencyMs = int(flag, value());
        break;
      case "--slow-headers-ms":
        faults.slowHeadersMs = int(flag, value());
        break;
      case "--drop-stream-after":
        faults.dropStreamAfter = int(flag, value());
        break;
      case "--fail-next":
        faults.fail500Next = int(flag, value());
        break;
      case "--fail-path": {
        const re = value();
        if (!re) throw new Error("--fail-path needs a regular expression");
        new RegExp(re); // reject a bad pattern now, not on the first request
        faults.fail500Path = re;
        break;
      }
      case "--fail-read": {
        const m = value().match(/^(\d+)(?:-(\d+))?:(.+)$/);
        if (!m) throw new Error("--fail-read needs N:REGEX or N-M:REGEX, e.g. 2:/procedures/1$");
        new RegExp(m[3]); // reject a bad pattern now, not on the first request
        faults.failRead = { nth: Number(m[1]), last: Number(m[2] ?? m[1]), path: m[3] };
        break;
      }
      case "--malformed-json": {
        const v = value();
        faults.malformedJson = v === "all" ? Infinity : int(flag, v);
        break;
      }
      case "--redirect-to": {
        const v = value();
        if (!v || !/^https?:\/\/[^/]+\/?$/.test(v)) {
          throw new Error(`--redirect-to needs an origin like http://127.0.0.1:5001, got ${v}`);
        }
        faults.redirectTo = v;
        break;
      }
      case "--auth":
        aaa();
        break;
      case "--auth-audience": {
        const v = value();
        if (!v) throw new Error("--auth-audience needs a value");
        aaa().audience = v;
        break;
      }
      case "--auth-telescope": {
        const v = value();
        if (v !== "mid" && v !== "low") throw new Error("--auth-telescope must be mid or low");
        aaa().telescope = v as Telescope;
        break;
      }
      case "--auth-client-id": {
        const v = value();
        if (!v) throw new Error("--auth-client-id needs a value");
        aaa().clientId = v;
        break;
      }
      case "--auth-activity-run-scope": {
        const v = value();
        if (!v) throw new Error("--auth-activity-run-scope needs a value");
        aaa().activityRunScope = v;
        break;
      }
      case "--auth-no-token-status": {
        const v = value();
        if (v !== "401" && v !== "403") {
          throw new Error("--auth-no-token-status must be 401 or 403");
        }
        aaa().noTokenStatus = Number(v) as 401 | 403;
        break;
      }
      case "--auth-echo-token":
        aaa().echoToken = true;
        break;
      case "--auto-approve":
        // The count only inline (--auto-approve=2): a bare flag means at once.
        issuer().autoApprove = inline === undefined ? 0 : int(flag, inline);
        break;
      case "--auth-user": {
        const v = value();
        if (!v) throw new Error("--auth-user needs a name");
        who().name = v;
        break;
      }
      case "--auth-roles":
        who().roles = names(flag, value());
        break;
      case "--auth-scopes":
        who().scopes = names(flag, value());
        break;
      case "--token-ttl":
        issuer().accessTokenTtlS = int(flag, value());
        break;
      case "--no-refresh-tokens":
        issuer().refreshTokens = false;
        break;
      case "--no-rotate-refresh-tokens":
        issuer().rotateRefreshTokens = false;
        break;
      case "--poll-interval":
        issuer().pollIntervalS = int(flag, value());
        break;
      case "--device-code-ttl":
        issuer().deviceCodeTtlS = int(flag, value());
        break;
      case "--issuer-pending":
        issuer().pending = int(flag, value());
        break;
      case "--issuer-slow-down":
        issuer().slowDown = int(flag, value());
        break;
      case "--issuer-expired-token":
        issuer().expiredToken = int(flag, value());
        break;
      case "--issuer-access-denied":
        issuer().accessDenied = int(flag, value());
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return {
    kind: "run",
    options: {
      flavor,
      port,
      hostname,
      sbdDir,
      stepMs,
      faults,
      ...(workers === undefined ? {} : { workers }),
      ...(getLagMs === undefined ? {} : { getLagMs }),
      ...(streamLagMs === undefined ? {} : { streamLagMs }),
      ...(auth === undefined ? {} : { auth }),
    },
    log,
  };
}
