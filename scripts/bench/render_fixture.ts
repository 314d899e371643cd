/**
 * Procedures and activities as `oet` holds them after decoding a server's
 * answer, for timing the table renderers alone (no HTTP, no decoding).
 * States, scripts and times vary the way a busy OET's do.
 */

import type { Activity, Procedure, StateEntry } from "../../src/domain/types.ts";
import type { ProcedureState } from "../../src/domain/states.ts";

const SCRIPTS = [
  "file:///scripts/hello_world.py",
  "file:///scripts/observe_sb.py",
  "git://scripts/allocate_from_file_sb.py",
  "file:///scripts/startup.py",
];
const FINAL: ProcedureState[] = ["COMPLETE", "READY", "RUNNING", "FAILED", "STOPPED"];
const T0 = 1_764_000_000;

function history(i: number): StateEntry[] {
  const start = T0 + i * 7.25;
  const states: ProcedureState[] = ["CREATING", "IDLE", "LOADING", "IDLE", "INITIALISING", "READY"];
  const last = FINAL[i % FINAL.length];
  if (last !== "READY") states.push("RUNNING");
  if (last !== "RUNNING" && last !== "READY") states.push(last);
  return states.map((state, k) => ({ state, time: start + k * 0.125 }));
}

/** `n` procedures with ids 1..n. */
export function procedures(n: number): Procedure[] {
  return Array.from({ length: n }, (_, k) => {
    const id = k + 1;
    const h = history(k);
    return {
      id,
      script: { uri: SCRIPTS[k % SCRIPTS.length], type: k % 4 === 2 ? "git" : "filesystem" },
      scriptArgs: {
        init: { args: [], kwargs: { subarray_id: 1 + k % 3 } },
        main: { args: [], kwargs: {} },
      },
      history: h,
      stacktrace: null,
      state: h.at(-1)!.state,
      uri: `http://localhost/ska-oso-oet/oet/api/v7/procedures/${id}`,
      raw: {},
    };
  });
}

/** `n` activities, activity i run by procedure i, and those procedures by id. */
export function activities(n: number): { activities: Activity[]; byId: Map<number, Procedure> } {
  const procs = procedures(n);
  const list = procs.map((p, k): Activity => ({
    id: k + 1,
    name: k % 2 ? "observe" : "allocate",
    sbdId: `sbd-t0001-20250403-${String(k % 100_000).padStart(5, "0")}`,
    sbiId: `sbi-t0001-20250403-${String(k % 100_000).padStart(5, "0")}`,
    procedureId: p.id,
    prepareOnly: k % 7 === 0,
    scriptArgs: { main: { args: [], kwargs: { subarray_id: 1 } } },
    history: [{ state: "TODO", time: p.history[0].time - 0.5 }],
    state: "TODO",
    uri: `http://localhost/ska-oso-oet/oet/api/v7/activities/${k + 1}`,
    raw: {},
  }));
  return { activities: list, byId: new Map(procs.map((p) => [p.id, p])) };
}
