/**
 * States are one list each, in the servers' declaration order, and a state a
 * newer server sends is shown as it is, never final, never a decode error.
 */

import assert from "node:assert/strict";
import { decodeActivity, decodeProcedure } from "../../src/api/decode.ts";
import { decodeJsonPickle } from "../../src/api/jsonpickle.ts";
import { deriveActivityState } from "../../src/domain/activity_state.ts";
import {
  activityState,
  announcedState,
  isFinal,
  isPreparing,
  NewerState,
  outcomeOf,
  PROCEDURE_STATES,
  procedureState,
  stateName,
} from "../../src/domain/states.ts";
import type { OetEvent } from "../../src/domain/types.ts";
import { activityTable } from "../../src/render/activities.ts";
import { historyRows, procedureTable } from "../../src/render/procedures.ts";

const OPENAPI = new URL(
  "../fixtures/transcripts/v7.0.0/11b-get-openapi-json.txt",
  import.meta.url,
);

Deno.test("PROCEDURE_STATES is the 7.0.0 server's ProcedureState, in its declaration order", () => {
  const text = Deno.readTextFileSync(OPENAPI);
  const body = JSON.parse(text.slice(text.indexOf("\n{") + 1));
  assert.deepEqual([...PROCEDURE_STATES], body.components.schemas.ProcedureState.enum);
});

Deno.test("jsonpickle's by-value enums decode through the same list (1-based)", () => {
  const byValue = (n: number) =>
    decodeJsonPickle({
      "py/reduce": [{ "py/type": "ska_oso_oet.procedure.domain.ProcedureState" }, {
        "py/tuple": [n],
      }],
    });
  PROCEDURE_STATES.forEach((name, i) => assert.equal(byValue(i + 1), name));
  // A value past the list (a newer server) stays the number the server sent.
  assert.equal(byValue(PROCEDURE_STATES.length + 1), PROCEDURE_STATES.length + 1);
});

function procedureJson(state: string): unknown {
  return {
    uri: "http://oet/api/v7/procedures/3",
    script: { script_type: "filesystem", script_uri: "file:///scripts/x.py" },
    script_args: {},
    history: {
      process_states: [["CREATING", 1.5], ["READY", 2.5], [state, 3.5]],
      stacktrace: null,
    },
    state,
  };
}

Deno.test("a state the list lacks decodes, is shown as it is, and is not final", async () => {
  const p = decodeProcedure(procedureJson("PAUSED"));
  assert.ok(p.state instanceof NewerState);
  assert.equal(stateName(p.state), "PAUSED");
  assert.equal(`${p.state}`, "PAUSED");
  assert.equal(isFinal(p.state), false);
  assert.equal(isPreparing(p.state), false);
  assert.equal(outcomeOf(p.state), undefined);
  assert.equal(p.history[2].state, p.state, "one object per name");
  assert.match(await procedureTable([p]), /^\s+3 .* PAUSED$/m);
  assert.deepEqual(historyRows(p.history).map((r) => r[1]), ["CREATING", "READY", "PAUSED"]);
  assert.equal(JSON.stringify({ state: p.state }), '{"state":"PAUSED"}');
  const event: OetEvent = {
    topic: "procedure.lifecycle.statechange",
    data: { new_state: "PAUSED" },
  };
  assert.equal(announcedState(event), p.state);
});

Deno.test("known states decode to themselves", () => {
  for (const name of PROCEDURE_STATES) assert.equal(procedureState(name), name);
  assert.equal(activityState("TODO"), "TODO");
  assert.equal(isFinal(procedureState("COMPLETE")), true);
  assert.equal(outcomeOf(procedureState("FAILED")), "failure");
});

Deno.test("an activity state the list lacks is shown as it is", async () => {
  const a = decodeActivity({
    uri: "http://oet/api/v7/activities/2",
    activity_name: "observe",
    sbd_id: "sbd-1",
    procedure_id: 3,
    state: "DONE",
    activity_states: [["DONE", 4.5]],
  });
  assert.equal(stateName(a.state), "DONE");
  // Its procedure in a newer state: the derivation falls back to the server's own.
  const p = decodeProcedure(procedureJson("PAUSED"));
  assert.equal(stateName(deriveActivityState(a, p)), "DONE");
  assert.match(await activityTable([a], new Map([[3, p]])), / DONE$/m);
});
