/**
 * The note a follower gives for each interval in which the event stream was
 * down (one per down interval).
 */

import type { StreamGap } from "../../domain/types.ts";
import type { IO } from "../../render/io.ts";
import { formatClock } from "../../render/time.ts";
import { note } from "../framework/feedback.ts";

/**
 * Says that the event stream was down, and when: events published in that
 * interval may be missing from what was shown (the OET has no replay).
 */
export function gapNote(io: IO, gap: StreamGap): void {
  note(
    io,
    `events from ${formatClock(gap.from)} to ${
      formatClock(gap.to)
    } UTC may be missing (${gap.reason}; reconnected)`,
  );
}
