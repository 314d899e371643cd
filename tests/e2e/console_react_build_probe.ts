/**
 * Loads the console's screen libraries as console.ts does (the production
 * switch first, then Ink and React), renders a few frames to a stand-in
 * terminal and prints which React build ran: `{"developmentElements":
 * bool, "measures": n}`. The development build gives each element a
 * `_store` and records a performance measure per render; the production
 * build does neither. Run by console_react_build_test.ts with the binary's
 * permissions.
 */

import { EventEmitter } from "node:events";

await import("../../src/commands/console/react_production.ts");
const { render, Text } = await import("ink");
const React = (await import("react")).default;

class Out extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 80;
  readonly rows = 24;
  write(): boolean {
    return true;
  }
}

const out = new Out();
const ink = render(React.createElement(Text, null, "frame 0"), {
  stdout: out as unknown as NodeJS.WriteStream,
  stderr: out as unknown as NodeJS.WriteStream,
  patchConsole: false,
  exitOnCtrlC: false,
});
for (let i = 1; i <= 5; i++) {
  ink.rerender(React.createElement(Text, null, `frame ${i}`));
  await new Promise((r) => setTimeout(r, 10));
}
ink.unmount();
const developmentElements = "_store" in React.createElement(Text, null, "x");
const measures = performance.getEntriesByType("measure").length;
// deno-lint-ignore no-console -- the probe's answer
console.log(JSON.stringify({ developmentElements, measures }));
Deno.exit(0);
