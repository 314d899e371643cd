/**
 * Case 4, memory: peak RSS of `oet listen` over a short and a ten times
 * longer stream (it must not grow with the stream) and a longer one still,
 * and of `oet procedure list` on a server holding 1,000 procedures. A probe
 * reruns the listen cases with V8's young generation capped, to tell heap
 * sizing from kept data.
 */

import { drainRounds, type StreamClient, streamClients } from "./case_stream.ts";
import { startFloodServer } from "./flood_server.ts";
import type { BenchOptions } from "./options.ts";
import { type Cmd, denoScript, haveTime, oet, peakRssOfRun } from "./processes.ts";
import type { CaseResult } from "./report.ts";
import { rounds } from "./rounds.ts";
import { simulatorWith } from "./sim_fixture.ts";
import { cells, count, mb, summarize, type Summary } from "./stats.ts";

const LIMIT_KIB = 100e6 / 1024;
/** Caps each of V8's two young-generation semi-spaces at 2 MB (the default grows to 16+). */
const SMALL_YOUNG_GEN = "--v8-flags=--max-semi-space-size=2";

interface Peak {
  label: string;
  s: Summary;
}

/** The same client with `SMALL_YOUNG_GEN` added to its `deno run` flags. */
function withSmallYoungGen(c: StreamClient): StreamClient {
  const [run, ...rest] = c.cmd.args;
  return {
    ...c,
    cmd: {
      ...c.cmd,
      args: [run, SMALL_YOUNG_GEN, ...rest],
      label: `${c.cmd.label}, young gen capped`,
    },
  };
}

/** Peak RSS of `oet listen` over growing streams, and with the young generation capped. */
async function listenPeaks(o: BenchOptions): Promise<{ plain: Peak[]; capped: Peak[] }> {
  const [small, large, longest] = o.memoryEvents;
  const flood = startFloodServer();
  try {
    const sizes = [small, small, large, large, longest];
    const clients = [
      ...streamClients(flood, "v7", small, ["jsonl", "text"], false),
      ...streamClients(flood, "v7", large, ["jsonl", "text"], false),
      ...streamClients(flood, "v7", longest, ["jsonl"], false),
    ];
    const capped = [clients[0], clients[2]].map(withSmallYoungGen);
    const { peakKib } = await drainRounds([...clients, ...capped], o.streamRuns);
    const peak = (c: StreamClient, i: number, size: number) => ({
      label: `${c.cmd.label}, ${count(size)} events`,
      s: summarize(peakKib[i]),
    });
    return {
      plain: clients.map((c, i) => peak(c, i, sizes[i])),
      capped: capped.map((c, i) => peak(c, clients.length + i, [small, large][i])),
    };
  } finally {
    await flood.close();
  }
}

/** Peak RSS of finished processes: the floor, `--version`, and a long `procedure list`. */
async function processPeaks(o: BenchOptions): Promise<Peak[]> {
  const sim = await simulatorWith(o.memoryProcedures);
  try {
    const cmds: Cmd[] = [
      denoScript(new URL("./probes/empty.ts", import.meta.url).pathname, "empty script (floor)"),
      oet(["--version"], "`oet --version`"),
      oet(
        ["procedure", "list"],
        `\`oet procedure list\`, ${count(o.memoryProcedures)} procedures`,
        { OET_REST_URI: sim.baseUrl },
      ),
    ];
    const samples = await rounds(cmds, o.streamRuns, peakRssOfRun);
    return cmds.map((c, i) => ({ label: c.label, s: summarize(samples[i]) }));
  } finally {
    await sim.close();
  }
}

/** Runs the memory case. */
export async function memoryCase(o: BenchOptions): Promise<CaseResult> {
  const [small, large, longest] = o.memoryEvents;
  const { plain: listen, capped } = await listenPeaks(o);
  const timed = await haveTime();
  const finished = timed ? await processPeaks(o) : [];
  const row = (p: Peak) => [p.label, ...cells(p.s, mb)];
  const rows = [...listen, ...finished].map(row);
  if (!timed) {
    rows.push(["`oet procedure list` (needs /usr/bin/time: not run)", "n/a", "n/a", "n/a"]);
  }

  const m = (i: number) => listen[i].s.median;
  // Flat: the long stream's peak within 10% of the short one's, in both forms.
  const growth = [m(2) / m(0), m(3) / m(1)];
  const all = [...listen, ...finished];
  const worst = all.reduce((a, b) => (b.s.median > a.s.median ? b : a));
  const bounded = m(4) <= m(2) * 1.1;
  const cappedGrowth = capped[1].s.median / capped[0].s.median;
  return {
    sections: [{
      title: "4. Memory (peak RSS)",
      method: `${o.streamRuns} runs each after one warm-up round. \`oet listen\`: VmHWM from ` +
        "/proc/<pid>/status once the last event of a flood stream has arrived (the process " +
        "is still running). Finished processes: GNU time's maximum resident set size " +
        "(`/usr/bin/time -f %M`). MB = 10^6 bytes.",
      headers: ["process", "median", "min", "max"],
      rows,
    }, {
      title: "4b. Where listen's memory goes",
      method: "The jsonl rows of table 4 again, in the same rounds, with V8's young generation " +
        `capped by \`${SMALL_YOUNG_GEN}\` (V8 grows it while a process allocates fast; ` +
        "a larger young generation is memory held, not data kept).",
      headers: ["process", "median", "min", "max"],
      rows: [listen[0], capped[0], listen[2], capped[1]].map(row),
    }],
    notes: [
      `\`oet listen -o jsonl\` peaks at ${mb(m(0))} over ${count(small)} events, ${mb(m(2))} over ${
        count(large)
      } and ${mb(m(4))} over ${count(longest)}: ${
        bounded
          ? `it does not grow again over ${longest / large} times as many events, so the ` +
            "growth is bounded"
          : "it keeps growing with the stream"
      }. With the young generation capped it peaks at ${mb(capped[0].s.median)} and ${
        mb(capped[1].s.median)
      } (${cappedGrowth <= 1.1 ? "flat" : "still growing"}), so ${
        cappedGrowth <= 1.1
          ? "the growth is V8 sizing up its young generation under a high allocation rate, " +
            "not events kept"
          : "more than the young generation grows"
      }.`,
    ],
    goals: [
      {
        goal: "peak RSS ≤ 100 MB (every process in table 4)",
        measured: `largest: ${mb(worst.s.median)} (${worst.label})`,
        met: all.every((p) => p.s.median <= LIMIT_KIB),
      },
      {
        goal: `listen RSS flat from ${count(small)} to ${count(large)} events (within 10%)`,
        measured: `jsonl ${mb(m(0))} → ${mb(m(2))}, text ${mb(m(1))} → ${mb(m(3))}`,
        met: growth.every((g) => g <= 1.1),
      },
    ],
  };
}
