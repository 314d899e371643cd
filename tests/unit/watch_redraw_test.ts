// deno-lint-ignore-file no-control-regex -- terminal escape sequences are what this file checks
/**
 * The redrawn watch on a terminal (src/render/watch.ts, `Redraw`): a frame
 * fitted to the window (cut to its width, its oldest rows left out when it
 * is too tall, so that a redraw never scrolls a copy into the scrollback), a
 * clean redraw after a resize, and the whole last frame for the scrollback;
 * and, in a pipe, a new header when a row needs wider columns (`PipeRows`).
 */

import assert from "node:assert/strict";
import { PipeRows, Redraw } from "../../src/render/watch.ts";
import { table } from "../../src/render/table.ts";
import { assertGolden } from "../support/golden.ts";

const HEADERS = ["ID", "Script", "Creation time", "State"];

function rows(n: number): (string | number)[][] {
  return Array.from({ length: n }, (_, i) => [
    i + 1,
    `file:///scripts/script_number_${i + 1}.py`,
    "2026-12-07 20:00:00",
    i === n - 1 ? "RUNNING" : "COMPLETE",
  ]);
}

async function frameOf(n: number): Promise<string> {
  return `${await table(HEADERS, rows(n))}\n`;
}

const UP = /^\x1b\[(\d+)A\r/;

/** What a frame shows: without the cursor movement and the line and screen clears. */
function shown(bytes: string): string {
  return bytes.replace(UP, "").replaceAll("\x1b[K", "").replace(/\x1b\[J$/, "");
}

Deno.test("redraw: a frame never clears the screen from its top-left corner (tmux would keep a copy)", async () => {
  const size = { columns: 100, rows: 10 };
  const r = new Redraw(() => size);
  await r.frame(await frameOf(30));
  const next = await r.frame((await frameOf(30)).replace("RUNNING", "COMPLETE"));
  assert.match(next, /^\x1b\[9A\r {2}ID/, "back to the first line, then written over");
  assert.ok(next.endsWith("\x1b[K\n\x1b[J"), "only what is below the frame is cleared");
});

Deno.test("redraw: a table taller than the window keeps its header and newest rows, says how many are hidden", async () => {
  const size = { columns: 100, rows: 10 };
  const r = new Redraw(() => size);
  const text = await frameOf(30);
  const first = await r.frame(text);
  const lines = shown(first).trimEnd().split("\n");
  assert.equal(lines.length, 9, "one line stays free: the frame never scrolls");
  assert.match(lines[0], /^ {2}ID {2}Script/);
  assert.match(lines[1], /^-+ /);
  assert.equal(lines[2], "… 24 older rows hidden to fit the window");
  assert.match(lines[3], /^ +25 /);
  assert.match(lines[8], /^ +30 .*RUNNING$/);
  // The same table again: nothing to write. A change: back over exactly the 9 lines.
  assert.equal(await r.frame(text), "");
  const next = await r.frame(text.replace("RUNNING", "COMPLETE"));
  assert.equal(UP.exec(next)?.[1], "9");
});

Deno.test("redraw: lines are cut to the window's width, never wrapped; colour codes stay whole", async () => {
  const size = { columns: 40, rows: 50 };
  const r = new Redraw(() => size);
  const coloured = (await frameOf(3)).replace("RUNNING", "\x1b[32mRUNNING\x1b[0m");
  const out = shown(await r.frame(coloured));
  for (const line of out.trimEnd().split("\n")) {
    const visible = line.replace(/\x1b\[[\d;]*m/g, "");
    assert.ok(visible.length <= 40, line);
  }
  assert.match(out, /…\n/);
});

Deno.test("redraw: after the window is made narrower, the frame is drawn afresh over the re-wrapped old one", async () => {
  const size = { columns: 120, rows: 40 };
  const r = new Redraw(() => size);
  const text = await frameOf(5);
  const first = await r.frame(text);
  const widest = Math.max(...shown(first).split("\n").map((l) => l.length));
  assert.ok(widest > 60 && widest <= 120);
  size.columns = 60; // the terminal re-wraps the 7 old lines to 2 lines each
  assert.equal(r.resized(), true);
  const after = await r.frame(text); // the same table: redrawn all the same
  assert.equal(UP.exec(after)?.[1], "14");
  for (const line of shown(after).trimEnd().split("\n")) assert.ok(line.length <= 60);
  // Wider again: the old (cut) lines do not wrap; back over the 7 lines it drew.
  size.columns = 200;
  const wide = await r.frame(text);
  assert.equal(UP.exec(wide)?.[1], "7");
  assert.equal(shown(wide), text);
});

Deno.test("redraw: when the watch ends, the whole last frame is drawn for the scrollback", async () => {
  const size = { columns: 100, rows: 10 };
  const r = new Redraw(() => size);
  const text = await frameOf(30);
  await r.frame(text);
  const last = r.last();
  assert.equal(UP.exec(last)?.[1], "9");
  assert.equal(shown(last), text, "every row, uncut");
  // A frame that was shown whole needs nothing more.
  const small = new Redraw(() => size);
  await small.frame(await frameOf(3));
  assert.equal(small.last(), "");
});

Deno.test("pipe: an empty first table, then rows wider than its columns: a new header they line up with", async () => {
  const first = await table(HEADERS, []);
  const pipe = new PipeRows(first, HEADERS, []);
  const out = [first, await pipe.row(rows(1)[0]), await pipe.row(rows(2)[1])].join("\n");
  const lines = out.split("\n");
  // The first header, then a new one in the wider columns, then the rows under it.
  assert.equal(lines.length, 6, out);
  assert.match(lines[2], /^ {2}ID {2}Script +Creation time +State$/);
  assert.equal(lines[4].indexOf("file:"), lines[2].indexOf("Script"));
  assert.equal(lines[5].indexOf("2026"), lines[2].indexOf("Creation time"));
  // A row that fits: no header.
  assert.equal((await pipe.row(rows(1)[0])).split("\n").length, 1);
});

Deno.test("golden: a watch in a 100×10 window, a change, a resize to 60 columns, the end", async () => {
  const size = { columns: 100, rows: 10 };
  const r = new Redraw(() => size);
  const text = await frameOf(12);
  let bytes = await r.frame(text);
  bytes += await r.frame(text.replace("RUNNING", "COMPLETE"));
  size.columns = 60;
  bytes += await r.frame(text.replace("RUNNING", "COMPLETE"));
  bytes += r.last();
  // Escape sequences made visible: what a person's terminal is told, step by step.
  assertGolden("watch/redraw-fitted", bytes.replaceAll("\x1b", "␛"));
});
