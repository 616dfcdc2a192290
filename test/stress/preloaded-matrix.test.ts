/**
 * The hooks real apps preload (issue 23): OpenTelemetry's auto-instrumentation, import-in-the-middle's
 * asynchronous and synchronous hooks, an asynchronous module.register() hook that does nothing,
 * dd-trace, Sentry, dotenv and Node's --env-file, each in both orders of the
 * flags with an ES module and a CommonJS entry: one real save of the route, answered by its new
 * code, checked from outside (test/helpers/preloaded.ts). Pinned versions install from the npm
 * registry into the test's own folder; npm test runs a few of them (test/e2e/real-preloaded-hooks.test.ts).
 */
import { after, describe, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { ORDERS, PRELOADED, updateUnder } from "../helpers/preloaded.js";
import { removeTsxInstalls } from "../helpers/tsx.js";

after(async () => {
  await cleanup();
  removeTsxInstalls();
});

for (const name of Object.keys(PRELOADED)) {
  describe(name, () => {
    for (const order of Object.keys(ORDERS)) {
      for (const esm of [true, false]) {
        test(`${order}, ${esm ? "ES module" : "CommonJS"} entry: a save of the route is answered by its new code`, () =>
          updateUnder(name, order, esm));
      }
    }
  });
}
