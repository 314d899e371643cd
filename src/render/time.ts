/**
 * Times as the reference client printed them: UTC, `YYYY-MM-DD HH:MM:SS` in
 * lists and `YYYY-MM-DD HH:MM:SS.ffffff` in describe.
 *
 * The microseconds are computed as CPython's `datetime.fromtimestamp` does:
 * the fractional part of the float (exact, as `modf`), times 10⁶, rounded
 * half to even. A naive `Math.round(t * 1e6)` differs for about one recorded
 * timestamp in ten.
 */

/** Rounds half to even, as CPython's `_PyTime_RoundHalfEven`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; CPython rounds half to even.
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/** Seconds and microseconds since the epoch, as `datetime.fromtimestamp`. */
export function splitTimestamp(t: number): { seconds: number; micros: number } {
  let seconds = Math.trunc(t);
  let micros = roundHalfEven((t - seconds) * 1e6);
  if (micros >= 1e6) {
    seconds += 1;
    micros -= 1e6;
  } else if (micros < 0) {
    seconds -= 1;
    micros += 1e6;
  }
  return { seconds, micros };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/**
 * The UTC calendar date of a day count since 1970-01-01 (proleptic
 * Gregorian, Howard Hinnant's `civil_from_days`). Arithmetic, not `Date`:
 * the first `Date` of a process loads the time zone (about 0.1 ms of every
 * table), and a UTC date needs none. tests/unit/time_test.ts checks it
 * against `Date` over ±300,000 years.
 */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468; // days since 0000-03-01
  const era = Math.floor(z / 146097); // 400-year eras
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100)); // from March 1st
  const m = Math.floor((5 * dayOfYear + 2) / 153); // March = 0
  const month = m < 10 ? m + 3 : m - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * m + 2) / 5) + 1,
  };
}

/** `HH:MM:SS` of a whole number of seconds since the epoch, in UTC. */
function timeOfDay(seconds: number): string {
  const s = seconds - Math.floor(seconds / 86400) * 86400;
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/**
 * The most milliseconds from the epoch that `Date` holds. Beyond it these
 * printed `Date`'s NaN fields (a server sending microseconds, say), and
 * still do: the arithmetic would print a date no one could check.
 */
const DATE_LIMIT_MS = 8.64e15;

/** `YYYY-MM-DD HH:MM:SS` in UTC, or "" when there is no time. */
export function formatTime(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t)) return "";
  const { seconds } = splitTimestamp(t);
  if (Math.abs(seconds * 1000) > DATE_LIMIT_MS) return "NaN-NaN-NaN NaN:NaN:NaN";
  const { year, month, day } = civilFromDays(Math.floor(seconds / 86400));
  return `${year}-${pad(month)}-${pad(day)} ${timeOfDay(seconds)}`;
}

/** The time of day `HH:MM:SS.mmm` in UTC of a time in ms since the epoch (for notes). */
export function formatClock(ms: number): string {
  if (!(Math.abs(ms) <= DATE_LIMIT_MS)) return "NaN:NaN:NaN.NaN";
  const whole = Math.trunc(ms); // as `new Date(ms)` keeps it
  const seconds = Math.floor(whole / 1000);
  return `${timeOfDay(seconds)}.${pad(whole - seconds * 1000, 3)}`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, or "" when there is no time. */
export function formatTimeMicros(t: number | undefined): string {
  if (t === undefined || !Number.isFinite(t)) return "";
  const { seconds, micros } = splitTimestamp(t);
  return `${formatTime(seconds)}.${pad(micros, 6)}`;
}
