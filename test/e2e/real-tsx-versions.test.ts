/**
 * tsx versions users pin (issue 21, case 12; issue 23): one old version (4.21.0, installed from the
 * npm registry into the test's own folder) beside the repository's own, with ES module and
 * CommonJS output. The full matrix of versions is in test/stress/tsx-matrix.test.ts. Also: a
 * loader that hands back other code than the saved file's is caught, never reported "updated".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCommand, spawnHot } from "../helpers/e2e.js";
import { ACCEPTING, PLAIN_CJS, removeTsxInstalls, tsxProject, WITH_TYPES } from "../helpers/tsx.js";

after(async () => {
  await cleanup();
  removeTsxInstalls();
});

const hotloadLines = (lines: readonly string[]): string[] =>
  lines.filter((line) => line.startsWith("[hotload]")).map((line) => line.replace(/ in [\d.]+ ms$/, ""));

for (const version of ["4.21.0", "repo"]) {
  describe(`tsx ${version}`, () => {
    test('"type": "module": each save of an accepted dependency runs its new code, live bindings included', async () => {
      const dir = await tsxProject(version, true, ACCEPTING);
      const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
      await run.waitForLine("app sees dep v1", 15_000);
      for (const [from, to] of [
        ["dep v1", "dep v22"],
        ["dep v22", "dep v333"],
      ] as const) {
        const since = run.mark();
        replaceIn(join(dir, "dep.ts"), from, to);
        await run.waitForLine(`app accepted ${to}, live ${to}`, 10_000, since);
        await run.waitForLine(/^\[hotload\] updated \.\/dep\.ts → \.\/app\.ts/, 10_000, since);
      }
      assert.deepEqual(
        hotloadLines(run.lines),
        ["[hotload] updated ./dep.ts → ./app.ts", "[hotload] updated ./dep.ts → ./app.ts"],
        run.output(),
      );
    });

    test("--import hotload --import tsx (the order reversed) works as the documented order: live bindings apply", async () => {
      const dir = await tsxProject(version, true, WITH_TYPES);
      const run = spawnCommand(process.execPath, ["--import", "hotload", "--import", "tsx", join(dir, "app.ts")], { cwd: dir });
      await run.waitForLine("app sees dep v1", 15_000);
      const since = run.mark();
      replaceIn(join(dir, "dep.ts"), "dep v1", "dep v22");
      await run.waitForLine("app accepted dep v22, live dep v22", 10_000, since);
    });

    test("CommonJS output: no update before a save, and each save of a module two imports below the entry runs the entry again with its new code", async () => {
      const dir = await tsxProject(version, false, PLAIN_CJS);
      const run = spawnHot(join(dir, "src/index.ts"), { nodeArgs: ["--import", "tsx"] });
      await run.waitForLine("app sees dep v1", 15_000);
      for (const [from, to] of [
        ["dep v1", "dep v22"],
        ["dep v22", "dep v333"],
        ["dep v333", "dep v4444"],
      ] as const) {
        const since = run.mark();
        replaceIn(join(dir, "src/router2.ts"), from, to);
        await run.waitForLine(`app sees ${to}`, 10_000, since);
        await run.waitForLine(/^\[hotload\] updated \.\/router2\.ts → \.\/index\.ts/, 10_000, since);
      }
      assert.deepEqual(hotloadLines(run.lines), Array(3).fill("[hotload] updated ./router2.ts → ./index.ts"), run.output());
      assert.equal(run.lines.filter((line) => line.startsWith("app sees")).length, 4, run.output());
    });
  });
}

test('a loader that hands back other code than the saved file\'s (a cache keyed by path) fails the update, which is never called "updated"', async () => {
  const dir = copyFixture("loader-cache");
  const run = spawnHot(join(dir, "app.mjs"), { nodeArgs: ["--import", "./cache-hook.mjs"] });
  await run.waitForLine("app sees dep v1");
  const since = run.mark();
  replaceIn(join(dir, "dep.mjs"), "dep v1", "dep v22");
  const line = await run.waitForLine(/keeping the previous version/, 10_000, since);
  assert.match(line, /dep\.mjs Error: a loader after hotload handed back other code than the saved file.s/, run.output());
  assert.ok(!run.lines.some((text) => /updated|app accepted/.test(text)), run.output());
});
