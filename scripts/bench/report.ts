/**
 * What a case hands back — tables of measurements and the goals they decide —
 * and how both are written: aligned Markdown, the same on the terminal and
 * in docs/benchmarks.md.
 */

/** One table of results. */
export interface Section {
  title: string;
  /** How it was measured, in a sentence or two (the document prints it). */
  method: string;
  headers: string[];
  rows: string[][];
}

/** One of the issue's goals, decided by this run's numbers. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

/** A case's results. */
export interface CaseResult {
  sections: Section[];
  goals: Goal[];
  /** Sentences about where the time goes, made from this run's numbers. */
  notes?: string[];
}

/** Display width, counting `×`, `µ` and other one-column characters as one. */
function width(s: string): number {
  return [...s].length;
}

/** A Markdown table with padded columns; numbers (and ratios) align right. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(3, ...all.map((r) => width(r[c] ?? ""))));
  const right = headers.map((_, c) =>
    c > 0 && rows.length > 0 && rows.every((r) => /^[\d.,≥≤<>~-]/.test(r[c] ?? "") || !r[c])
  );
  const pad = (s: string, c: number) => {
    const fill = " ".repeat(widths[c] - width(s));
    return right[c] ? fill + s : s + fill;
  };
  const line = (r: string[]) => `| ${r.map((s, c) => pad(s ?? "", c)).join(" | ")} |`;
  const rule = `|${
    widths.map((w, c) => (right[c] ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")
  }|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** A section as printed: title, table. */
export function sectionText(s: Section): string {
  return `### ${s.title}\n\n${markdownTable(s.headers, s.rows)}\n`;
}

/** The goals table. */
export function goalsTable(goals: Goal[]): string {
  return markdownTable(
    ["goal", "measured (median)", "result"],
    goals.map((g) => [g.goal, g.measured, g.met ? "met" : "**missed**"]),
  );
}
