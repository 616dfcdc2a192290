/**
 * Hooks real apps preload beside hotload (issue 23, case 10), in both orders of the flags: every
 * order works. import-in-the-middle (OpenTelemetry's and Sentry's hooks) and dotenv install from
 * the npm registry into the test's own folder. The full matrix (OpenTelemetry, dd-trace, Sentry,
 * …, each order, each kind of entry) is test/stress/preloaded-matrix.test.ts.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCommand } from "../helpers/e2e.js";
import { updateUnder } from "../helpers/preloaded.js";
import { registryPackage, removeTsxInstalls } from "../helpers/tsx.js";

after(async () => {
  await cleanup();
  removeTsxInstalls();
});

const ORDERS = {
  "hook first": (hook: string) => ["--import", hook, "--import", "hotload"],
  "hotload first": (hook: string) => ["--import", "hotload", "--import", hook],
};

for (const [order, flags] of Object.entries(ORDERS)) {
  test(`import-in-the-middle's synchronous hooks, ${order}: each save of a route is served by its new code`, async () => {
    const dir = copyFixture("preloaded-hooks");
    symlinkSync(
      join(await registryPackage("import-in-the-middle", "3.6.0"), "import-in-the-middle"),
      join(dir, "node_modules/import-in-the-middle"),
      "dir",
    );
    const run = spawnCommand(process.execPath, [...flags("./iitm.mjs"), "app.mjs"], { cwd: dir });
    const port = (await run.waitForLine(/^listening on \d+$/, 15_000)).split(" ").pop();
    for (const [from, to] of [
      ["route v1", "route v22"],
      ["route v22", "route v333"],
    ] as const) {
      const since = run.mark();
      replaceIn(join(dir, "route.mjs"), from, to);
      await run.waitForLine(/^\[hotload\] updated \.\/route\.mjs/, 10_000, since);
      const answer = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      assert.equal(answer, to, run.output());
    }
  });

  test(`an asynchronous module.register() hook that does nothing, ${order}, with a CommonJS entry: nothing counts as saved before a save, and a save runs the entry again once`, async () => {
    const dir = copyFixture("preloaded-hooks");
    const run = spawnCommand(process.execPath, [...flags("./noop-register.mjs"), "server.cjs"], { cwd: dir });
    await run.waitForLine("first look: unchanged", 10_000);
    const since = run.mark();
    replaceIn(join(dir, "route.cjs"), "route v1", "route v22");
    await run.waitForLine("server runs with route v22", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/route\.cjs → \.\/server\.cjs/, 10_000, since);
    assert.deepEqual(
      run.lines.filter((line) => line.startsWith("server runs")),
      ["server runs with route v1", "server runs with route v22"],
      run.output(),
    );
  });
}

// What OpenTelemetry, Sentry and dd-trace register for ES modules, each order with each kind of
// entry; dotenv in each order; Node's --env-file. A save of the route is answered by its new code.
for (const [name, order, esm] of [
  ["import-in-the-middle's asynchronous hooks", "hook first", true],
  ["import-in-the-middle's asynchronous hooks", "hook first", false],
  ["import-in-the-middle's asynchronous hooks", "hotload first", true],
  ["import-in-the-middle's asynchronous hooks", "hotload first", false],
  ["dotenv", "hook first", false],
  ["dotenv", "hotload first", true],
  ["--env-file", "hotload first", false],
] as const) {
  test(`${name}, ${order}, ${esm ? "ES module" : "CommonJS"} entry: a save of the route is answered by its new code`, () =>
    updateUnder(name, order, esm));
}
