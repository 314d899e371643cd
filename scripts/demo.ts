// deno-lint-ignore-file no-console -- printing the session is this script's job
/**
 * `deno task demo [-- --flavor v5|v6|v7|v8] [--step-ms N] [--auth]`: the CLI
 * reference doc's example session, run for real. It starts the local OET
 * simulator on a free port and runs the real CLI (`main.ts` in a subprocess,
 * with exactly the permissions the binary gets) through the doc's commands,
 * printing each command before its output. It exits 0 only if every command
 * ended with the exit code the session expects.
 *
 * With `--auth` the simulator runs in AAA mode (every request needs a bearer
 * token from its own OpenID Connect issuer, which approves every sign-in at
 * once) and the session is the login's: `oet auth login`, a procedure
 * created and run with the login's token, `oet auth status`, `oet auth
 * logout`, and the refusal (exit 5) that follows, with its way out. HOME
 * and XDG_CONFIG_HOME point at a temporary directory, so the login cache is
 * made there and the user's own is neither read nor touched.
 */

import { startSimulator } from "../sim/src/server.ts";
import { type Flavor, FLAVORS, isFastApi } from "../sim/src/flavor.ts";
import { PERMISSION_FLAGS } from "./permissions.ts";

const USAGE = `usage: deno task demo [-- --flavor ${FLAVORS.join("|")}] [--step-ms N] [--auth]`;

/** The demo's few flags (`--flag value` or `--flag=value`); exits 2 on anything else. */
function parseDemoArgs(argv: string[]): { flavor: Flavor; stepMs: number; auth: boolean } {
  let flavor: string = "v5";
  let stepMs = "30";
  let auth = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=")
      ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
      : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "-h" || flag === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (flag === "--flavor" || flag === "--flavour") flavor = value();
    else if (flag === "--step-ms") stepMs = value();
    else if (flag === "--auth" && inline === undefined) auth = true;
    else {
      console.error(`demo: unknown option ${argv[i]}\n${USAGE}`);
      Deno.exit(2);
    }
  }
  if (!FLAVORS.includes(flavor as Flavor)) {
    console.error(`demo: unknown --flavor ${flavor}; use ${FLAVORS.join(", ")}`);
    Deno.exit(2);
  }
  if (!/^\d+$/.test(stepMs)) {
    console.error(`demo: --step-ms needs a non-negative integer, got ${stepMs}`);
    Deno.exit(2);
  }
  return { flavor: flavor as Flavor, stepMs: Number(stepMs), auth };
}

const { flavor, stepMs, auth } = parseDemoArgs(
  Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
);
// AAA mode: the issuer approves every sign-in at the first poll, and asks
// oet to poll every second (oet's shortest interval).
const sim = startSimulator({
  flavor,
  stepMs,
  ...(auth ? { auth: { issuer: { autoApprove: 0, pollIntervalS: 1 } } } : {}),
});
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const SBD = isFastApi(flavor) ? "sbd-t0001-20250403-00001" : "sbd-mvp01-20200325-00001";
// None of the user's OET_* settings (tokens, a context): the session's are the simulator's own.
// Left out, not set empty: an empty OET_TOKEN is "a CI secret that is not set" and gets a note.
const env: Record<string, string> = {
  ...Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("OET_"))),
  OET_REST_URI: sim.baseUrl,
  NO_PROXY: "127.0.0.1,localhost",
  no_proxy: "127.0.0.1,localhost",
  NO_COLOR: "1",
};
const enc = new TextEncoder();
let failures = 0;

function show(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(
    " ",
  );
}

function spawn(args: string[], stdout: "inherit" | "piped" = "inherit"): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PERMISSION_FLAGS, MAIN, ...args],
    env,
    clearEnv: true,
    stdout,
    // Commands whose output is captured run behind the scenes: keep them quiet.
    stderr: stdout,
  }).spawn();
}

/** Runs one oet command, showing it first; returns its stdout when captured. */
async function oet(args: string[], expect = 0, capture = false): Promise<string> {
  await Deno.stdout.write(enc.encode(`\n$ oet ${show(args)}\n`));
  const child = spawn(args, capture ? "piped" : "inherit");
  let text = "";
  if (capture) {
    const out = await child.output();
    text = new TextDecoder().decode(out.stdout);
    await Deno.stdout.write(out.stdout);
    await Deno.stderr.write(out.stderr);
    return check(args, out.code, expect, text);
  }
  return check(args, (await child.status).code, expect, text);
}

function check(args: string[], code: number, expect: number, text: string): string {
  if (code !== expect) {
    failures++;
    console.error(`demo: "oet ${show(args)}" exited ${code}, expected ${expect}`);
  } else if (expect !== 0) console.log(`[exit ${code}, as expected]`);
  return text;
}

function note(text: string): Promise<number> {
  return Deno.stdout.write(enc.encode(`\n# ${text}\n`));
}

/** The reference doc's session. */
async function docSession(): Promise<void> {
  console.log(`Local OET simulator (${flavor} flavour) at ${sim.baseUrl}`);
  console.log(`Every command below is the real oet CLI with OET_REST_URI=${sim.baseUrl}`);

  await note("Load two procedures; positional and keyword arguments go to the script's init().");
  await oet(["procedure", "create", "file:///scripts/echo_args.py", "hello", "--verbose=true"]);
  await oet(["procedure", "create", "file:///scripts/hello_world.py", "goodbye"]);
  await note("A third one from git (the simulator clones nothing; it pretends).");
  await oet([
    "procedure",
    "create",
    "git://scripts/success.py",
    "--git_repo=https://gitlab.com/ska-telescope/oso/ska-oso-scripting.git",
    "--git_branch=master",
    "--create_env=True",
  ]);
  await sim.settle(20_000);
  await oet(["procedure", "list"]);
  await oet(["procedure", "list", "--pid=2"]);

  await note(
    "Start procedure 2 with run arguments; oet follows it to the end (exit 0 = COMPLETE).",
  );
  await oet(["procedure", "start", "--pid=2", "bob", "--simulate=false"]);
  await oet(["procedure", "list"]);
  await oet(["procedure", "describe", "--pid=2"]);
  await oet(["procedure", "describe", "--pid=3"]);

  await note("A script that fails: exit 3, the end of its stack trace on stderr.");
  const failing =
    (await oet(["procedure", "create", "file:///scripts/fail.py", "-o", "id"], 0, true)).trim();
  await oet(["procedure", "start", `--pid=${failing}`], 3);

  await note("Run an activity of an SB; the activity's state is derived from its procedure.");
  await oet([
    "activity",
    "run",
    "hello",
    SBD,
    `--script-args={"init": {"args": [1, "foo"], "kwargs": {"foo": "bar"}}}`,
  ]);
  await note("Prepare an activity without running it, then start its procedure.");
  await oet(["activity", "run", "observe", SBD, "--prepare-only=True"]);
  await sim.settle(20_000);
  await oet(["activity", "list"]);
  const observePid = String(sim.state.activities().at(-1)?.procedureId ?? "");
  await oet(["procedure", "start", `--pid=${observePid}`]);
  await oet(["activity", "list"]);
  await oet(["activity", "describe", "--aid=1"]);
  await oet(["procedure", "describe", `--pid=${sim.state.activities()[0]?.procedureId ?? 1}`]);

  await note("Listen to the live events for a few seconds while a script runs.");
  await Deno.stdout.write(
    enc.encode(
      "\n$ oet listen --topic procedure.lifecycle.statechange --topic script.announce --topic user.script.announce\n",
    ),
  );
  const listener = spawn([
    "listen",
    "--topic",
    "procedure.lifecycle.statechange",
    "--topic",
    "script.announce",
    "--topic",
    "user.script.announce",
  ]);
  await new Promise((r) => setTimeout(r, 800));
  const background = spawn(
    ["procedure", "create", "file:///scripts/hello_world.py", "-o", "id"],
    "piped",
  );
  const pid = new TextDecoder().decode((await background.output()).stdout).trim();
  const starter = spawn(
    ["procedure", "start", `--pid=${pid}`, "--listen=False", "-o", "id"],
    "piped",
  );
  await starter.output();
  await new Promise((r) => setTimeout(r, 2500));
  listener.kill("SIGINT");
  const listenCode = (await listener.status).code;
  console.log(`[Ctrl-C: exit ${listenCode}]`);
  if (listenCode !== 130) failures++;

  await note(
    "What is the OET doing? The server, what runs now, the recent procedures and activities.",
  );
  await oet(["status"]);
}

/** The demo's only write: a temporary HOME and config directory, removed at the end. */
function tempDir(): Promise<string> {
  return Deno.makeTempDir({ prefix: "oet-demo-" });
}

async function removeDir(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true });
}

/** Deno's own cache directory, so that the children find it with HOME moved elsewhere. */
async function denoDir(): Promise<string> {
  const given = Deno.env.get("DENO_DIR");
  if (given) return given;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** The login session of AAA mode, with the login cache under `home`. */
async function authSession(home: string): Promise<void> {
  const issuer = sim.issuer!;
  Object.assign(env, issuer.loginEnv(), {
    HOME: `${home}/home`,
    XDG_CONFIG_HOME: `${home}/config`,
    DENO_DIR: await denoDir(),
  });
  console.log(`Local OET simulator (${flavor} flavour, AAA mode) at ${sim.baseUrl}`);
  console.log(`Its OpenID Connect issuer, ${issuer.url}, approves every sign-in at once.`);
  console.log("Every command below is the real oet CLI with");
  console.log(`  OET_REST_URI=${sim.baseUrl}`);
  for (const [k, v] of Object.entries(issuer.loginEnv())) console.log(`  ${k}=${show([v])}`);
  console.log(`  HOME=${env.HOME} XDG_CONFIG_HOME=${env.XDG_CONFIG_HOME} (a temporary directory)`);

  await note(
    "Log in with a device code: oet prints where to sign in, then waits for the sign-in.",
  );
  await oet(["auth", "login"]);
  await note("The login is kept, private to you, and sent as a bearer token with every request.");
  await oet(["procedure", "create", "file:///scripts/hello_world.py", "goodbye"]);
  await sim.settle(20_000);
  await oet(["procedure", "start"]);
  await oet(["auth", "status"]);
  await note("Log out: the kept login is deleted.");
  await oet(["auth", "logout"]);
  await note("Without a token the OET refuses every request: exit 5, and the way out.");
  await oet(["procedure", "list"], 5);
}

let home: string | undefined;
try {
  if (auth) {
    home = await tempDir();
    await authSession(home);
  } else await docSession();
} finally {
  await sim.close();
  if (home) await removeDir(home);
}

console.log(
  failures === 0
    ? "\nDemo finished: every command ended as expected."
    : `\nDemo finished with ${failures} unexpected exit code(s).`,
);
// The one command a scripted session cannot show: it takes the whole terminal.
console.log(
  'Next: the live OET in one screen, `oet console` (README, "Console"): start `deno task sim`, then `oet --server-url <its URL> console`.',
);
Deno.exit(failures === 0 ? 0 : 1);
