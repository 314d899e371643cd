/** A test client for the simulator's `/stream`: keeps the raw bytes and the events. */

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
  /** Complete events received so far. */
  events(): WireEvent[];
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
    const lines = block.split("\n").filter((l) => l.length > 0);
    if (!lines.length) continue;
    const ev: WireEvent = { data: "" };
    for (const line of lines) {
      if (line.startsWith("data:")) ev.data = line.slice(5);
      else if (line.startsWith("id:")) ev.id = line.slice(3);
    }
    out.push(ev);
  }
  return out;
}

/** Opens `url` and reads it until it ends or {@link StreamCapture.cancel}. */
export async function openStream(url: string): Promise<StreamCapture> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  const ended = (async (): Promise<"clean" | "cut"> => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return "clean";
        raw += decoder.decode(value, { stream: true });
      }
    } catch {
      return "cut";
    }
  })();
  return {
    response,
    raw: () => raw,
    events: () => parseEvents(raw),
    ended,
    async cancel() {
      await reader.cancel().catch(() => {});
      await ended;
    },
  };
}
