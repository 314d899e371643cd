/**
 * Selects React's production build for the console. React, its reconciler
 * and its scheduler choose their build by the NODE_ENV variable of `process.env` when they
 * load, and the binary's permissions neither grant nor let oet set that
 * variable (`--ignore-env` reads it as unset: the development build, which
 * checks and records every render). `process.env` is therefore given a
 * view that answers `production` for NODE_ENV and reads every other
 * variable as before; the environment itself is not touched.
 *
 * Import it dynamically and await it before the module that imports Ink
 * (console.ts does): a static import beside Ink's would run after Ink and
 * React in the bundled form, whose chunks hoist their package imports. It
 * reaches `process` through the global, not `node:process`, so that the
 * console's screen stays the one module of the graph that brings in Node.
 */

/** The part of Node's `process` this touches. */
type NodeProcess = { env: Record<string, string | undefined> };

const process = (globalThis as { process?: NodeProcess }).process;
if (process) {
  const env = process.env;
  Object.defineProperty(process, "env", {
    value: new Proxy(env, {
      get: (target, key) => (key === "NODE_ENV" ? "production" : Reflect.get(target, key)),
    }),
    configurable: true,
    writable: true,
  });
}
