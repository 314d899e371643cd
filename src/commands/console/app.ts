/**
 * `oet console` running: the state (model.ts), drawn by Ink (screen.ts) on
 * the terminal `runCli` was given, fed by one event stream (feed.ts) and
 * re-reads of the lists. This module and what it imports are the only ones
 * that load Ink, React and Deno's Node layer (the start-up module test's one
 * exemption); console.ts reaches it through a dynamic import.
 */

import { EventEmitter } from "node:events";
import { type Instance, render } from "ink";
import type { OetClient } from "../../api/client.ts";
import { InterruptedError } from "../../domain/errors.ts";
import { isPreparing } from "../../domain/states.ts";
import type { Terminal } from "../../render/io.ts";
import { loadWideWidths } from "../../render/table.ts";
import { buildCreateRequest } from "../shared/create_request.ts";
import { checkStopAnswer, refuseUnstartable, sendStart } from "../shared/procedure_actions.ts";
import type { CommandContext } from "../framework/command_context.ts";
import { runFeed } from "./feed.ts";
import { Monitor } from "./monitor.ts";
import { parseKeys } from "./keys.ts";
import { type Action, ConsoleState, pressKey, type Target } from "./model.ts";
import { screen, type Size } from "./screen.ts";
import { scriptCall } from "./script_words.ts";

/** At most this many frames a second: a fast run's messages are drawn in batches. */
const FRAME_MS = 33;

/** The stdout Ink draws on: the command's own output stream, the terminal's size. */
class Screen extends EventEmitter {
  readonly isTTY = true;
  readonly #terminal: Terminal;
  readonly #write: (text: string) => void;
  constructor(terminal: Terminal, write: (text: string) => void) {
    super();
    this.#terminal = terminal;
    this.#write = write;
  }
  get columns(): number {
    return this.#terminal.size().columns;
  }
  get rows(): number {
    return this.#terminal.size().rows;
  }
  write(text: string): boolean {
    this.#write(text);
    return true;
  }
}

/** Ink's stdin: the console reads the keyboard itself (keys.ts), so Ink never touches it. */
class NoKeyboard extends EventEmitter {
  readonly isTTY = false;
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

/**
 * Sends an action; returns the note for the status line. A start or stop
 * goes through the CLI's own rules (shared/procedure_actions.ts): what
 * `oet procedure start` refuses is refused here, before anything is sent,
 * and a stop the server refuses is an error, with the same text and hint.
 */
export async function perform(
  client: Pick<
    OetClient,
    "createProcedure" | "getProcedure" | "startProcedure" | "runActivity" | "stopProcedure"
  >,
  action: Action,
  state: ConsoleState,
): Promise<string> {
  const env = state.target.hints;
  switch (action.kind) {
    case "create": {
      const p = await client.createProcedure(
        buildCreateRequest({
          scriptUri: action.uri,
          init: scriptCall(action.args),
          createEnv: false,
        }),
      );
      state.selectProcedure(p.id);
      return `created procedure ${p.id} (${p.state}); s starts it`;
    }
    case "start": {
      // The list may be old: the rule is applied to the procedure as the server has it now.
      const now = await client.getProcedure(action.pid);
      if (!isPreparing(now.state)) refuseUnstartable(now, env);
      const p = await sendStart(client, action.pid, scriptCall(action.args), env);
      return `started procedure ${p.id}`;
    }
    case "run": {
      const a = await client.runActivity({
        activityName: action.name,
        sbdId: action.sbdId,
        scriptArgs: {},
        prepareOnly: false,
        createEnv: false,
      });
      return `activity ${a.id} runs${
        a.procedureId !== null ? ` as procedure ${a.procedureId}` : ""
      }`;
    }
    case "stop": {
      const answer = await client.stopProcedure(action.pid, action.abort);
      checkStopAnswer(answer, action.pid, env);
      return `stop sent to procedure ${action.pid}${action.abort ? " (and the abort script)" : ""}`;
    }
  }
}

/** Who the token says the user is, when a token is configured. */
async function identity(ctx: CommandContext): Promise<string | undefined> {
  try {
    const tokens = await ctx.tokens();
    if (!tokens.configured) return undefined;
    const t = await tokens.current(ctx.signal);
    if (!t) return undefined;
    // The sign-in name, as `oet auth status` shows it; an opaque token says nothing.
    return t.claims?.username ?? t.claims?.name ?? t.claims?.subject ?? "token";
  } catch {
    return undefined;
  }
}

/** Runs the console until the user quits (q, Ctrl-C) or oet is terminated. */
export async function runConsole(
  ctx: CommandContext,
  terminal: Terminal,
  o: { readOnly: boolean; target: Target },
): Promise<void> {
  await loadWideWidths();
  // Interrupted while the screen's modules loaded: never take the terminal (the abort has
  // fired already, so the wait for it below would never end and the frame would freeze).
  if (ctx.signal.aborted) return endInterrupted(ctx.signal);
  const client = ctx.client();
  const state = new ConsoleState(o.target, o.readOnly);
  state.generation = client.generation() ?? "";
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const colour = ctx.io.out.colour;

  // Frames: drawn after a change, at most one per FRAME_MS.
  let ink: Instance | undefined;
  let drawn = -1;
  let lastFrame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const size = (): Size => terminal.size();
  const frame = () => {
    try {
      return screen(state, size(), ctx.clock.now(), colour);
    } catch (err) {
      state.showError(err);
      return screen(new ConsoleState(o.target, o.readOnly), size(), ctx.clock.now(), colour);
    }
  };
  const draw = () => {
    timer = undefined;
    if (!ink || signal.aborted) return;
    lastFrame = performance.now();
    drawn = state.version;
    ink.rerender(frame());
  };
  const schedule = () => {
    if (timer !== undefined || signal.aborted) return;
    timer = setTimeout(draw, Math.max(0, FRAME_MS - (performance.now() - lastFrame)));
  };
  const changed = () => {
    if (state.version !== drawn) schedule();
  };

  // The printer of the stream and the re-reads of the lists.
  const monitor = new Monitor(state, client, {
    now: () => ctx.clock.now(),
    random: ctx.random,
    signal,
    changed,
  });

  let quit: () => void = () => {};
  const quitting = new Promise<void>((resolve) => quit = resolve);
  const act = async (action: Action) => {
    state.setStatus({ kind: "info", text: `sending ${action.kind}…` });
    changed();
    try {
      state.setStatus({ kind: "info", text: await perform(client, action, state) });
      void monitor.refresh();
    } catch (err) {
      state.showError(err);
    }
    changed();
  };
  const onKeys = (text: string) => {
    for (const key of parseKeys(text)) {
      const effect = pressKey(state, key);
      if (effect?.kind === "quit") return quit();
      if (effect?.kind === "send") void act(effect.action);
    }
    changed();
  };
  const onResize = () => {
    ink?.clear();
    screenOut.emit("resize");
    state.version++;
    draw();
  };

  const screenOut = new Screen(terminal, (t) => ctx.io.out.write(t));
  let feedDone: Promise<void> | undefined;
  terminal.takeOver(onKeys, onResize);
  try {
    ink = render(frame(), {
      stdout: screenOut as unknown as NodeJS.WriteStream,
      stdin: new NoKeyboard() as unknown as NodeJS.ReadStream,
      stderr: screenOut as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 30,
      incrementalRendering: true,
    });
    drawn = state.version;
    void identity(ctx).then((who) => {
      state.identity = who;
      state.version++;
      changed();
    });
    void monitor.refresh();
    const feed = runFeed(ctx, client, monitor, signal);
    // The header's clock: one frame a second when nothing else happens.
    const tick = setInterval(() => {
      // A stream that stays down is a gap; while it is down the lists are read again.
      monitor.tick();
      state.version++;
      schedule();
      // React's development build (which runs where react_production.ts was not loaded first,
      // as in tests that import this module) records a performance measure for every render:
      // at a fast run's frame rate the timeline would hold on to them all (measured: the heap
      // grew 0.4 MB/s at 5,000 messages/s, flat with this). The production build records none.
      performance.clearMeasures();
      performance.clearMarks();
    }, 1000);
    const interrupted = new Promise<void>((resolve) =>
      ctx.signal.addEventListener("abort", () => resolve(), { once: true })
    );
    await Promise.race([quitting, interrupted]);
    clearInterval(tick);
    stop.abort();
    if (timer !== undefined) clearTimeout(timer);
    monitor.close();
    feedDone = feed;
  } finally {
    stop.abort();
    ink?.unmount();
    // The terminal first: the user has the shell back while the stream closes.
    terminal.restore();
  }
  // Closing the subscription frees the stream's server thread (thread courtesy).
  await feedDone?.catch(() => {});
  endInterrupted(ctx.signal);
}

/** Ctrl-C ends the console with 0, as q does; SIGTERM with 143 (quietly: the screen said enough). */
function endInterrupted(signal: AbortSignal): void {
  const reason = signal.reason;
  if (signal.aborted && reason instanceof InterruptedError && reason.signal === "SIGTERM") {
    throw new InterruptedError("SIGTERM", "", { quiet: true });
  }
}
