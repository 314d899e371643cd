/**
 * `main.ts` as the binary runs it, for the console's terminal tests, plus a
 * way to do what a bug would: when the file `<tmp>/oet-console-fault-<pid>`
 * appears, saying `error` it throws an uncaught error from a timer, saying
 * `rejection` it leaves a promise rejected with no handler. The product has
 * no such switch; only this test entry does, so the tests can prove that
 * `main.ts` gives the terminal back on both paths. (A file, not a signal: a
 * signal's default action could still end the process first.)
 */

import { main } from "../../main.ts";

const trigger = `/tmp/oet-console-fault-${Deno.pid}`;
const poll = setInterval(() => {
  let what: string;
  try {
    what = Deno.readTextFileSync(trigger).trim();
  } catch {
    return;
  }
  clearInterval(poll);
  if (what === "error") {
    setTimeout(() => {
      throw new Error("provoked by the test: an uncaught error");
    });
  } else void Promise.reject(new Error("provoked by the test: an unhandled rejection"));
}, 50);

await main();
