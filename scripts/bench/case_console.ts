/**
 * Case 6, the console under a fast run: a paced stream of script messages
 * (a procedure printing `rate` messages a second for `seconds`, then
 * nothing) drained by `oet console` in a real terminal (tmux, 80×24) and,
 * side by side, by `oet listen` to /dev/null, each in turn on a stream of
 * its own. From /proc: CPU while the messages come and while nothing
 * happens, and resident memory half-way and at the end (flat over a long
 * run: the console keeps 10,000 lines). From the screen: how long after the
 * last message the console shows it (falling behind would grow this), and
 * from its output how many frames a second it drew (Ink marks each frame
 * with the synchronized-output sequence).
 */

import type { BenchOptions } from "./options.ts";
import { type Cmd, oet } from "./processes.ts";
import type { CaseResult, Goal, Section } from "./report.ts";

const encoder = new TextEncoder();
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const HZ = 100;

/** A paced OET: empty lists, and a stream of `rate` script messages a second for `seconds`. */
function startPacedServer(rate: number, seconds: number) {
  let opened: number | undefined;
  let lastSentAt: number | undefined;
  const total = rate * seconds;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path.endsWith("/procedures")) return Response.json({ procedures: [] });
    if (path.endsWith("/activities")) return Response.json({ activities: [] });
    if (!path.endsWith("/stream")) return new Response("not found", { status: 404 });
    let sent = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("\n"));
        const t0 = performance.now();
        opened = Date.now();
        // Every 20 ms, the messages due by then: the rate holds however the timer drifts.
        timer = setInterval(() => {
          const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
          let chunk = "";
          for (; sent < due; sent++) {
            chunk += `data:${
              JSON.stringify({
                topic: "user.script.announce",
                msg_src: "1",
                msg: `msg ${sent + 1}`,
              })
            }\n\n`;
          }
          if (chunk) controller.enqueue(encoder.encode(chunk));
          if (sent >= total) {
            lastSentAt ??= Date.now();
            clearInterval(timer);
          }
        }, 20);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  return {
    root: `http://127.0.0.1:${server.addr.port}/api/v1.0`,
    total,
    opened: () => opened,
    lastSentAt: () => lastSentAt,
    close: () => server.shutdown(),
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / HZ;
}

/** Resident memory of a process, in KiB. */
function rssKib(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+)/m);
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`bench console: no ${what} within ${ms} ms`);
    await sleep(20);
  }
}

async function run(program: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** What one client did with one paced stream. */
interface Measured {
  label: string;
  cpuFloodPct: number;
  cpuIdlePct: number;
  /** Resident memory at a quarter, half and three quarters of the run, and at its end. */
  rssKib: number[];
  /** ms from the last message sent to the console showing it (console only). */
  lagMs?: number;
  framesPerSecond?: number;
}

/** A running client of the paced stream. */
interface Client {
  pid: number;
  /** Whether message `n` is on the screen (the console). */
  shown?: (n: number) => Promise<boolean>;
  /** Frames drawn so far (the console). */
  frames?: () => Promise<number>;
  stop(): Promise<void>;
}

/** Runs one client on a fresh paced stream; `start` returns its pid and a way to stop it. */
async function measure(
  label: string,
  rate: number,
  seconds: number,
  idleSeconds: number,
  start: (root: string) => Promise<Client>,
): Promise<Measured> {
  const server = startPacedServer(rate, seconds);
  const client = await start(server.root);
  try {
    await until(() => server.opened() !== undefined, 30_000, "stream opened");
    const cpu0 = cpuSeconds(client.pid);
    const t0 = Date.now();
    const frames0 = await client.frames?.();
    const rss: number[] = [];
    for (let q = 1; q <= 3; q++) {
      await sleep(Math.max(0, t0 + (seconds * 1000 * q) / 4 - Date.now()));
      rss.push(rssKib(client.pid));
    }
    await until(() => server.lastSentAt() !== undefined, seconds * 1000 + 30_000, "end of run");
    const lastSent = server.lastSentAt()!;
    let lagMs: number | undefined;
    if (client.shown) {
      await until(() => client.shown!(server.total), 30_000, "last message on screen");
      lagMs = Date.now() - lastSent;
    }
    const cpu1 = cpuSeconds(client.pid);
    const floodSeconds = (Date.now() - t0) / 1000;
    const frames1 = await client.frames?.();
    // Idle: let the last frame settle, then nothing happens for idleSeconds.
    await sleep(1000);
    const cpu2 = cpuSeconds(client.pid);
    await sleep(idleSeconds * 1000);
    const cpu3 = cpuSeconds(client.pid);
    return {
      label,
      cpuFloodPct: ((cpu1 - cpu0) / floodSeconds) * 100,
      cpuIdlePct: ((cpu3 - cpu2) / idleSeconds) * 100,
      rssKib: [...rss, rssKib(client.pid)],
      lagMs,
      framesPerSecond: frames0 === undefined || frames1 === undefined
        ? undefined
        : (frames1 - frames0) / floodSeconds,
    };
  } finally {
    await client.stop();
    await server.close();
  }
}

/** `oet listen` to /dev/null. */
function listenClient(cmdOf: (root: string) => Cmd) {
  return (root: string) => {
    const cmd = cmdOf(root);
    const child = new Deno.Command(cmd.program, {
      args: cmd.args,
      env: cmd.env,
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    return Promise.resolve({
      pid: child.pid,
      async stop() {
        child.kill("SIGTERM");
        await child.status;
      },
    });
  };
}

/** `oet console` in a tmux window of its own, its output kept to count frames. */
function consoleClient(cmdOf: (root: string) => Cmd, out: string) {
  return async (root: string) => {
    const cmd = cmdOf(root);
    const socket = `oet-bench-${Deno.pid}`;
    const tmux = (...args: string[]) => run("tmux", ["-L", socket, "-f", "/dev/null", ...args]);
    const q = (w: string) => `'${w.replaceAll("'", "'\\''")}'`;
    const line = [
      "env",
      "-i",
      ...Object.entries({ ...cmd.env, TERM: "xterm-256color" }).map(([k, v]) => `${k}=${v}`),
      cmd.program,
      ...cmd.args,
    ].map(q).join(" ");
    await tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "24", `${line}; exec sleep 3600`);
    await tmux("pipe-pane", "-t", "b", `cat > ${q(out)}`);
    const shell = (await tmux("display-message", "-p", "-t", "b", "#{pane_pid}")).trim();
    let pid = NaN;
    await until(
      async () => {
        pid = Number((await run("pgrep", ["-P", shell]).catch(() => "")).trim().split("\n")[0]);
        return pid > 0;
      },
      30_000,
      "console process",
    );
    return {
      pid,
      shown: async (n: number) =>
        (await tmux("capture-pane", "-p", "-t", "b")).includes(`msg ${n}\n`),
      frames: async () =>
        (await Deno.readTextFile(out).catch(() => "")).split("\x1b[?2026h").length - 1,
      async stop() {
        await tmux("kill-server").catch(() => "");
      },
    };
  };
}

/** How much resident memory grew after the first quarter of the run: the largest later sample over it. */
function flatness(m: Measured): number {
  return Math.max(...m.rssKib.slice(1)) / m.rssKib[0];
}

/** Runs the case. */
export async function consoleCase(o: BenchOptions): Promise<CaseResult> {
  const rate = 5_000;
  const seconds = o.quick ? 1 : 30;
  const idle = o.quick ? 1 : 10;
  const haveTmux = await run("tmux", ["-V"]).then(() => true, () => false);
  if (!haveTmux) {
    return {
      sections: [],
      goals: [],
      notes: ["console case skipped: tmux is not installed (the console needs a terminal)"],
    };
  }
  const out = await Deno.makeTempFile({ prefix: "oet-bench-console-" });
  try {
    const listen = await measure(
      "`oet listen` > /dev/null",
      rate,
      seconds,
      idle,
      listenClient((root) => oet(["listen", "--server-url", root], "listen")),
    );
    const consoleRun = await measure(
      "`oet console` (tmux, 80×24)",
      rate,
      seconds,
      idle,
      consoleClient((root) => oet(["console", "--server-url", root], "console"), out),
    );
    const rows = [listen, consoleRun].map((m) => [
      m.label,
      m.cpuFloodPct.toFixed(1),
      m.cpuIdlePct.toFixed(2),
      m.rssKib.map((k) => (k / 1024).toFixed(0)).join(" → "),
      m.lagMs === undefined ? "—" : String(Math.round(m.lagMs)),
      m.framesPerSecond === undefined ? "—" : m.framesPerSecond.toFixed(1),
    ]);
    const section: Section = {
      title: `Console under a fast run: ${
        rate.toLocaleString("en")
      } messages/s for ${seconds} s, then ${idle} s idle`,
      method:
        "A paced stream of script messages, drained by each client in turn on a stream of its own; CPU and resident memory from /proc, the console's lag from its screen (tmux capture-pane), its frames from the synchronized-output marks in its output.",
      headers: [
        "client",
        "CPU % (run)",
        "CPU % (idle)",
        "RSS MB at ¼, ½, ¾ of the run, end of idle",
        "last message shown after ms",
        "frames/s",
      ],
      rows,
    };
    const goals: Goal[] = [
      {
        goal: `console: ${
          rate.toLocaleString("en")
        } messages/s shown without falling behind (last shown < 1 s after sent)`,
        measured: `${Math.round(consoleRun.lagMs ?? NaN)} ms`,
        met: (consoleRun.lagMs ?? Infinity) < 1000,
      },
      {
        goal: "console: frames coalesced to at most ~30/s",
        measured: `${consoleRun.framesPerSecond?.toFixed(1)}/s`,
        met: (consoleRun.framesPerSecond ?? Infinity) <= 33,
      },
      {
        goal: "console: idle CPU under 2%",
        measured: `${consoleRun.cpuIdlePct.toFixed(2)}% (listen ${listen.cpuIdlePct.toFixed(2)}%)`,
        met: consoleRun.cpuIdlePct < 2,
      },
      {
        goal: "console: memory flat over the run (the last three quarters against the first)",
        measured: `${flatness(consoleRun).toFixed(2)}× (listen ${flatness(listen).toFixed(2)}×)`,
        met: flatness(consoleRun) < 1.15,
      },
    ];
    return { sections: [section], goals };
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}
