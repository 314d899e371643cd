/**
 * A test client for the simulator's `/stream`: keeps the raw bytes and the
 * events; each chunk wakes the tests' waits (`until` in tests/support/wait.ts).
 */

import { changed } from "../support/wait.ts";

/** One event as framed on the wire. */
export interface WireEvent {
  data: string;
  id?: string;
}

/** An open stream being read in the background. */
export interface StreamCapture {
  response: Response;
  /** Everything received so far, decoded. */
  raw(): string;
  /**
   * Complete events received so far (`parseEvents` of `raw()`), parsed as
   * they arrive: a wait may ask on every chunk without parsing it all again.
   */
  events(): readonly WireEvent[];
  /** `"clean"` if the body ended normally, `"cut"` if the connection broke. */
  ended: Promise<"clean" | "cut">;
  /** Stops reading and waits for the reader to finish. */
  cancel(): Promise<void>;
}

/** Parses complete `data:`/`id:` events out of raw stream text. */
export function parseEvents(raw: string): WireEvent[] {
  const out: WireEvent[] = [];
  const blocks = raw.split("\n\n");
  blocks.pop(); // the text after the last blank line is incomplete
  for (const block of blocks) {
    const ev = parseBlock(block);
    if (ev) out.push(ev);
  }
  return out;
}

/** One event's block (between blank lines), or undefined when it has no lines. */
function parseBlock(block: string): WireEvent | undefined {
  const lines = block.split("\n").filter((l) => l.length > 0);
  if (!lines.length) return undefined;
  const ev: WireEvent = { data: "" };
  for (const line of lines) {
    if (line.startsWith("data:")) ev.data = line.slice(5);
    else if (line.startsWith("id:")) ev.id = line.slice(3);
  }
  return ev;
}

/** Opens `url` and reads it until it ends or {@link StreamCapture.cancel}. */
export async function openStream(url: string): Promise<StreamCapture> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let rest = "";
  const events: WireEvent[] = [];
  const ended = (async (): Promise<"clean" | "cut"> => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return "clean";
        const text = decoder.decode(value, { stream: true });
        raw += text;
        const blocks = (rest + text).split("\n\n");
        rest = blocks.pop()!;
        for (const block of blocks) {
          const ev = parseBlock(block);
          if (ev) events.push(ev);
        }
        changed();
      }
    } catch {
      return "cut";
    } finally {
      changed();
    }
  })();
  return {
    response,
    raw: () => raw,
    events: () => events,
    ended,
    async cancel() {
      await reader.cancel().catch(() => {});
      await ended;
    },
  };
}
