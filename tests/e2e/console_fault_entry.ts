/**
 * `main.ts` as the binary runs it, for the console's terminal tests, plus
 * two signals that do what a bug would: SIGUSR1 throws an uncaught error
 * from a timer, SIGUSR2 leaves a promise rejected with no handler. The
 * product has no such switch; only this test entry does, so the tests can
 * prove that `main.ts` gives the terminal back on both paths.
 */

import { main } from "../../main.ts";

Deno.addSignalListener("SIGUSR1", () => {
  setTimeout(() => {
    throw new Error("provoked by the test: an uncaught error");
  });
});
Deno.addSignalListener("SIGUSR2", () => {
  void Promise.reject(new Error("provoked by the test: an unhandled rejection"));
});

await main();
