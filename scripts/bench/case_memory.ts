/**
 * Case 4, memory: peak RSS of `oet listen` over a short and a ten times
 * longer stream (it must not grow with the stream) and a longer one still,
 * and of `oet procedure list` on a server holding 1,000 procedures. oet runs
 * with V8's young generation capped (scripts/permissions.ts); a probe reruns
 * the listen cases without the cap, to show what it buys.
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
/**
 * Caps each of V8's two young-generation semi-spaces at 2 MB (the default
 * grows to 16+), and starts them there (scripts/permissions.ts says why).
 */
const SMALL_YOUNG_GEN = "--v8-flags=--max-semi-space-size=2,--min-semi-space-size=2";

interface Peak {
  label: string;
  s: Summary;
}

/** The same client without `SMALL_YOUNG_GEN` (V8's default young generation). */
function withDefaultYoungGen(c: StreamClient): StreamClient {
  if (!c.cmd.args.includes(SMALL_YOUNG_GEN)) {
    throw new Error(`${c.cmd.label}: expected ${SMALL_YOUNG_GEN} in oet's flags`);
  }
  return {
    ...c,
    cmd: {
      ...c.cmd,
      args: c.cmd.args.filter((a) => a !== SMALL_YOUNG_GEN),
      label: `${c.cmd.label}, V8's default young generation`,
    },
  };
}

/** Peak RSS of `oet listen` over growing streams, and without the young generation cap. */
async function listenPeaks(o: BenchOptions): Promise<{ plain: Peak[]; uncapped: Peak[] }> {
  const [small, large, longest] = o.memoryEvents;
  const flood = startFloodServer();
  try {
    const sizes = [small, small, large, large, longest];
    const clients = [
      ...streamClients(flood, "v7", small, ["jsonl", "text"], false),
      ...streamClients(flood, "v7", large, ["jsonl", "text"], false),
      ...streamClients(flood, "v7", longest, ["jsonl"], false),
    ];
    const uncapped = [clients[0], clients[2]].map(withDefaultYoungGen);
    const { peakKib } = await drainRounds([...clients, ...uncapped], o.streamRuns);
    const peak = (c: StreamClient, i: number, size: number) => ({
      label: `${c.cmd.label}, ${count(size)} events`,
      s: summarize(peakKib[i]),
    });
    return {
      plain: clients.map((c, i) => peak(c, i, sizes[i])),
      uncapped: uncapped.map((c, i) => peak(c, clients.length + i, [small, large][i])),
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
  const { plain: listen, uncapped } = await listenPeaks(o);
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
  const uncappedGrowth = uncapped[1].s.median / uncapped[0].s.median;
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
      method: "The jsonl rows of table 4 again, in the same rounds, without the cap oet runs " +
        `with (\`${SMALL_YOUNG_GEN}\`, scripts/permissions.ts): V8 then grows its young ` +
        "generation while a process allocates fast, memory held rather than data kept.",
      headers: ["process", "median", "min", "max"],
      rows: [listen[0], uncapped[0], listen[2], uncapped[1]].map(row),
    }],
    notes: [
      `\`oet listen -o jsonl\` peaks at ${mb(m(0))} over ${count(small)} events, ${mb(m(2))} over ${
        count(large)
      } and ${mb(m(4))} over ${count(longest)}: ${
        bounded
          ? `it does not grow again over ${longest / large} times as many events, so the ` +
            "growth is bounded"
          : "it keeps growing with the stream"
      }. Without the young-generation cap the same runs peak at ${mb(uncapped[0].s.median)} and ${
        mb(uncapped[1].s.median)
      } (${uncappedGrowth <= 1.1 ? "flat too" : "growing"}): ${
        uncappedGrowth <= 1.1
          ? "the cap changes little here"
          : "the growth without it is V8 sizing up its young generation under a high " +
            "allocation rate, not events kept, which the cap prevents"
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
