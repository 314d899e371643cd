/**
 * Splits what the keyboard sent (raw mode: a chunk may hold several keys,
 * or a pasted word) into the console's keys. Only the few escape
 * sequences the console reads are named; any other is dropped whole, so a
 * stray function key never types text into a dialog.
 */

import type { Key } from "./model.ts";

const SEQUENCES: Record<string, Omit<Key, "input">> = {
  "\x1b[A": { up: true },
  "\x1bOA": { up: true },
  "\x1b[B": { down: true },
  "\x1bOB": { down: true },
  "\x1b[5~": { pageUp: true },
  "\x1b[6~": { pageDown: true },
  "\x1b[Z": { shiftTab: true },
};

/** The keys in one chunk of keyboard input, in order. */
export function parseKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  let text = "";
  const flush = () => {
    if (text) keys.push({ input: text });
    text = "";
  };
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (c === "\x1b") {
      flush();
      // CSI or SS3: ESC [ or ESC O, parameters, one final byte.
      // deno-lint-ignore no-control-regex
      const m = /^\x1b(?:\[[0-9;?]*[@-~]|O[@-~])/.exec(chunk.slice(i));
      if (m) {
        const named = SEQUENCES[m[0]];
        if (named) keys.push({ input: "", ...named });
        i += m[0].length - 1;
      } else keys.push({ input: "", escape: true });
      continue;
    }
    const special: Omit<Key, "input"> | undefined = c === "\r" || c === "\n"
      ? { enter: true }
      : c === "\t"
      ? { tab: true }
      : c === "\x7f" || c === "\b"
      ? { backspace: true }
      : c === "\x03"
      ? { ctrlC: true }
      : undefined;
    if (special) {
      flush();
      keys.push({ input: "", ...special });
    } else if (c >= " ") {
      // Letters are keys of their own outside a dialog; a dialog joins them.
      flush();
      keys.push({ input: c });
    }
  }
  flush();
  return keys;
}
