/**
 * `oet doctor`: checks the way to the server, one hop after another, and
 * says what each found and, where one fails, what to do. The checks live in
 * `doctor/`; this module declares the command and prints.
 */

import { formatDuration } from "../../domain/duration.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "../../config/config.ts";
import { jsonReport, outcomeError, textLines } from "./report.ts";
import { NETWORK_LIMIT_MS, runDoctor } from "./run.ts";
import { STREAM_LIMIT_MS } from "./stream.ts";
import { defaultedOption, defineCommand } from "../framework/spec.ts";

const FORMATS = ["text", "json"] as const;

/** Runs the checks and says what to do about each that fails. */
export const doctorCommand = defineCommand({
  description:
    "Check, in order, everything between oet and the OET: the settings and where each came from, " +
    "DNS, TCP, TLS, the API root (and the server generation answering there, or where the right " +
    "root is), the event stream, authentication (token, expiry, roles and scopes, the clock " +
    "against the server's), and proxy variables. Each line says what was found; a failure says " +
    "what to do. Checks that need a failed one are not run. Exit 0 when all pass, 4 when the " +
    "server cannot be reached, 5 for authentication, 1 otherwise.",
  // Not `usesServer`: runCli would refuse a bad setting before doctor could report it.
  options: {
    output: defaultedOption(
      "output",
      "output format: text (a line per check) or json (one object) (default text)",
      (text) => {
        if ((FORMATS as readonly string[]).includes(text)) return text as typeof FORMATS[number];
        throw new Error(`expected one of ${FORMATS.join(", ")}`);
      },
      "text" as typeof FORMATS[number],
      { short: "o", valueName: "format", choices: FORMATS },
    ),
  },
  examples: `# check the configured server
oet doctor
# another one
oet doctor --server-url http://oet:5000/ska-oso-oet/oet/api/v7
# the failed checks, for a script
oet doctor -o json | jq '.checks[] | select(.ok == false)'`,
  notes: `Time limits: DNS, TCP and TLS ${
    formatDuration(NETWORK_LIMIT_MS)
  } each, the event stream ${
    formatDuration(STREAM_LIMIT_MS)
  } to open and send its first bytes, HTTP requests the request timeout (default ${
    formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)
  }); each is cut to the request timeout when that is shorter.
`,
  async run(ctx, { opts }) {
    const out = ctx.io.out;
    const outcome = await runDoctor(ctx, (r) => {
      if (opts.output === "text") out.write(textLines(r, out.colour));
    });
    if (opts.output === "json") out.write(jsonReport(outcome, out.isTerminal));
    const error = outcomeError(outcome);
    if (error) throw error;
  },
});
