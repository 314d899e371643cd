/**
 * Durations as users type them (`90`, `90s`, `10m`, `1h30m`, `500ms`,
 * `1.5h`; a bare number means seconds) and as messages show them: always
 * with a unit (`1 ms`, `1.5 s`, `10 min`, `1 h 30 min`).
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for a duration text, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNITS[m[2]];
  return Math.round(total);
}

/** A short human form of a duration, always with its unit. */
/** From this long on, a duration is said in days (and hours): `3 d 4 h`, not `76 h 12 min`. */
export const DAYS_FROM_S = 2 * 86_400;

/** Days and hours of a whole number of seconds of at least two days: `3 d 4 h`, `2 d`. */
export function daysText(totalS: number): string {
  const d = Math.floor(totalS / 86_400);
  const h = Math.floor((totalS % 86_400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    // One decimal where it matters (1.5 s), none where it does not (35 s).
    const s = Math.round(ms / 100) / 10;
    return `${s} s`;
  }
  const totalS = Math.round(ms / 1000);
  if (totalS >= DAYS_FROM_S) return daysText(totalS);
  const h = Math.floor(totalS / 3600);
  const min = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h === 0) return s ? `${min} min ${s} s` : `${min} min`;
  return min ? `${h} h ${min} min` : `${h} h`;
}
