/**
 * `oet activity …` against the local OET simulator in the 5.x and 7.x
 * flavours: the CI contract of `run`, prepare-only followed by
 * `procedure start`, derived states, and argument errors.
 */

import assert from "node:assert/strict";
import { InterruptedError } from "../../src/domain/errors.ts";
import { assertGolden } from "../support/golden.ts";
import { FLAVORS, normalize, withSim } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const SBD = {
  v5: "sbd-mvp01-20200325-00001",
  v6: "sbd-mvp01-20200325-00001",
  v7: "sbd-t0001-20250403-00001",
};

for (const flavor of FLAVORS) {
  const sbd = SBD[flavor];

  Deno.test(`${flavor}: activity run follows its procedure to COMPLETE: exit 0`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await oet(["activity", "run", "allocate", sbd]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.split("\n")[2], /^ +1 +allocate +sbd-\S+ .* +1 +REQUESTED$/);
      assert.match(r.stdout, /- State: COMPLETE\n$/);
      assertGolden(`sim/${flavor}-activity-run`, normalize(r.stdout, sim));
    }, 20); // slow enough that the row is read before the script is READY
  });

  Deno.test(`${flavor}: an SB the server does not have: its 500, and a hint to check the sbd-id`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet(["activity", "run", "observe", "sbd-nope-1"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: HTTP 500: .*sbd-nope-1 could not be found\.\n/);
      assert.match(r.stderr, /^hint: the server has no SB with that id .*: check the sbd-id$/m);
    });
  });

  Deno.test(`${flavor}: an activity whose script raises: exit 3 with the trace tail`, async () => {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet([
        "activity",
        "run",
        "allocate",
        sbd,
        `--script-args={"main": {"kwargs": {"raise_msg": "fail"}}}`,
      ]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /Exception: fail/);
      assert.match(r.stderr, /activity 1 \(procedure 1\) ended FAILED/);
    });
  });

  Deno.test(`${flavor}: prepare-only, then procedure start sends the activity's main arguments and completes`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const p = await oet(["activity", "run", "observe", sbd, "--prepare-only"]);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stderr, /start it with: oet procedure start --pid 1/);
      await sim.settle();
      const list = await oet(["activity", "list"]);
      assert.match(list.stdout, / PREPARED$/m);
      const s = await oet(["procedure", "start", "--pid=1"]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(
        s.stderr,
        /prepared by activity 1 \(observe of sbd-\S+\); sending main\(sb_json='\S+', sbi_id='sbi-\S+'\): its sb_json, sbi_id\n/,
      );
      const put = sim.requests.find((q) => q.method === "PUT")!;
      const main = JSON.parse(put.body!).script_args.main;
      assert.ok(main.kwargs.sb_json && main.kwargs.sbi_id, put.body!);
      const after = await oet(["activity", "list", "-o", "json"]);
      const [a] = JSON.parse(after.stdout);
      assert.equal(a.state, "TODO"); // the server's own field, kept
      assert.equal(a.derived_state, "COMPLETE");
      assert.equal(a.id, 1);
    });
  });

  Deno.test(`${flavor}: arguments given to start are added to the activity's; a keyword named replaces its own`, async () => {
    await withSim(flavor, async (sim, oet) => {
      // Found live: any argument dropped the activity's sb_json/sbi_id, silently.
      await oet(["activity", "run", "observe", sbd, "--prepare-only=True"]);
      await oet(["activity", "run", "observe", sbd, "--prepare-only=True"]);
      await sim.settle();
      const s = await oet(["procedure", "start", "--pid", "1", "mine", "--verbose"]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(
        s.stderr,
        /: its sb_json, sbi_id, your positional arguments, your other keyword arguments\n/,
      );
      const put1 = sim.requests.filter((q) => q.method === "PUT")[0];
      const main1 = JSON.parse(put1.body!).script_args.main;
      assert.deepEqual(main1.args, ["mine"]);
      assert.deepEqual(Object.keys(main1.kwargs).sort(), ["sb_json", "sbi_id", "verbose"]);
      const t = await oet(["procedure", "start", "--pid", "2", "--sbi_id=sbi-mine"]);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stderr, /: its sb_json, your sbi_id in place of its own\n/);
      const put2 = sim.requests.filter((q) => q.method === "PUT")[1];
      const main2 = JSON.parse(put2.body!).script_args.main;
      assert.equal(main2.kwargs.sbi_id, "sbi-mine");
      assert.ok(main2.kwargs.sb_json);
    });
  });

  Deno.test(`${flavor}: activity describe merges the activity's and its procedure's history`, async () => {
    await withSim(flavor, async (sim, oet) => {
      await oet([
        "activity",
        "run",
        "hello",
        sbd,
        `--script-args={"init": {"args": [1, "foo"], "kwargs": {"foo": "bar"}}}`,
      ]);
      const d = await oet(["activity", "describe"]);
      assert.equal(d.code, 0, d.stderr);
      assertGolden(`sim/${flavor}-activity-describe`, normalize(d.stdout, sim));
      const w = await oet(["activity", "wait", "--aid", "1"]);
      assert.equal(w.code, 0);
    });
  });

  Deno.test(`${flavor}: activity run --listen=False returns the row; Ctrl-C while following detaches`, async () => {
    await withSim(flavor, async (sim, oet) => {
      const r = await oet(["activity", "run", "allocate", sbd, "--listen=False", "-o", "id"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "1\n");
      assert.equal((await oet(["activity", "wait", "--aid", "1"])).code, 0);
      const interrupt = new AbortController();
      const pending = oet(["activity", "run", "observe", sbd], { signal: interrupt.signal });
      await until(() => sim.state.procedure(2)?.state === "RUNNING", "procedure 2 RUNNING");
      assert.equal(sim.state.procedure(2)?.state, "RUNNING");
      interrupt.abort(new InterruptedError("SIGINT"));
      const d = await pending;
      assert.equal(d.code, 130);
      assert.match(d.stderr, /detached; activity 2 \(procedure 2\) is still going/);
      assert.match(d.stderr, /oet activity wait --aid 2/);
    }, 40); // slow enough steps to catch the script RUNNING
  });
}

Deno.test("activity run while another procedure runs is refused before anything is sent", async () => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (sim, oet) => {
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      await oet(["procedure", "start", "--listen=False"]);
      const before = sim.requests.length;
      const r = await oet(["activity", "run", "allocate", SBD[flavor]]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /procedure 1 is (RUNNING|about to run)/);
      assert.match(r.stderr, /--prepare-only/);
      assert.ok(!sim.requests.slice(before).some((q) => q.method === "POST"));
      // Preparing only is fine: nothing is started.
      const p = await oet(["activity", "run", "allocate", SBD[flavor], "--prepare-only"]);
      assert.equal(p.code, 0, p.stderr);
    });
  }
});

Deno.test("unknown SB id and activity name: one line with the server's message, exit 1", async () => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (_sim, oet) => {
      const r = await oet(["activity", "run", "allocate", "sbd-does-not-exist"]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("error:")).length, 1);
      assert.match(r.stderr, /error: HTTP 500: .*sbd-does-not-exist/);
      const n = await oet(["activity", "run", "nosuchactivity", SBD[flavor]]);
      assert.equal(n.code, 1);
      assert.doesNotMatch(n.stderr, /error: HTTP 500: ["']/); // 7.x quotes are cleaned
      const a = await oet(["activity", "describe", "--aid", "99"]);
      assert.equal(a.code, 1);
      assert.match(a.stderr, /No information available for ID=99/);
    });
  }
});

Deno.test("--script-args problems are usage errors (exit 2) and nothing is sent", async () => {
  await withSim("v7", async (sim, oet) => {
    const bad = [
      "{not json",
      "[1, 2]",
      '{"main": [1]}',
      '{"main": {"kwarg": {}}}',
      '{"main": {"args": {"a": 1}}}',
      '{"main": {"kwargs": [1]}}',
      "@/no/such/file.json",
    ];
    for (const value of bad) {
      const r = await oet(["activity", "run", "observe", "sbd-x", `--script-args=${value}`]);
      assert.equal(r.code, 2, `${value}: ${r.stderr}`);
      assert.match(r.stderr, /--script-args/, value);
    }
    assert.equal(sim.requests.length, 0);
  });
});

Deno.test("--script-args: Python literals and @file work; 'run' gets a warning", async () => {
  await withSim("v5", async (sim, oet) => {
    const r = await oet(
      [
        "activity",
        "run",
        "hello",
        "sbd-mvp01-20200325-00001",
        "--script-args=@args.py",
        "--listen=False",
      ],
      {
        files: {
          "args.py":
            "{'init': {'args': (1, 'foo'), 'kwargs': {'subarray_id': 1, 'flag': True}}, 'run': {}}",
        },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /function "run" is neither "init" nor "main"/);
    assert.match(r.stderr, /really "main"/);
    const post = sim.requests.find((q) => q.method === "POST")!;
    assert.deepEqual(JSON.parse(post.body!).script_args, {
      init: { args: [1, "foo"], kwargs: { subarray_id: 1, flag: true } },
      run: { args: [], kwargs: {} },
    });
  });
});

Deno.test("a start the server refuses while following an activity is reported at once (exit 1), not after the prepare timeout", async () => {
  for (const flavor of FLAVORS) {
    await withSim(flavor, async (sim, oet) => {
      // A looping script, READY; it is started just before the activity is
      // posted, after oet's own "is something running?" check (a race).
      await oet(["procedure", "create", "file:///scripts/loop.py"]);
      await sim.settle();
      const racing: typeof fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (init?.method === "POST" && url.includes("/activities")) {
          await oet(["procedure", "start", "--pid", "1", "--listen=False"]);
          await until(() => sim.state.procedure(1)?.state === "RUNNING", "procedure 1 RUNNING");
        }
        return fetch(input, init);
      };
      const t0 = performance.now();
      const r = await oet(["activity", "run", "allocate", SBD[flavor]], { fetch: racing });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /(did not|could not) start procedure 2/);
      assert.ok(performance.now() - t0 < 20_000, "well before the 120 s prepare timeout");
      assert.equal(sim.state.procedure(1)?.state, "RUNNING");
    }, 10);
  }
});

Deno.test("activity run while another activity's procedure is being prepared to run is refused", async () => {
  await withSim("v7", async (sim, oet) => {
    const first = await oet(["activity", "run", "observe", SBD.v7, "--listen=False", "-o", "id"]);
    assert.equal(first.code, 0, first.stderr);
    const r = await oet(["activity", "run", "hello", SBD.v7, "--listen=False"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /activity 1's procedure 1 is being prepared to run|procedure 1 is (RUNNING|about to run)/,
    );
    assert.equal(sim.state.activities().length, 1, "nothing was sent");
  }, 30);
});
