/**
 * A failed update is located and blamed with the format each module's new version loaded as
 * (torture seed 8442431): a typeless .js switching to ES module syntax in the same update as
 * another module's syntax error was parsed as CommonJS, blamed for the error and held back, and
 * its edit was never applied. fixtures/typeless-blame: main.mjs accepts mid.mjs, which imports
 * sw.js (typeless) and bad.mjs; on "go" main.mjs rewrites both and applies one update of the two.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a syntax error is blamed on its own file, not on a typeless .js that switched to ES module syntax in the same update, whose edit applies", async () => {
  const dir = copyFixture("typeless-blame");
  const run = spawnHot(join(dir, "main.mjs"), { stdin: true });
  await run.waitForLine("main ready");
  const since = run.mark();
  run.child.stdin!.write("go\n");
  await run.waitForLine(/^\[hotload\] .*bad\.mjs:1:\d+ SyntaxError/, 10_000, since);
  await run.waitForLine("main sees sw v22, bad v1", 10_000, since);
  assert.ok(!run.lines.slice(since).some((line) => /sw\.js:\d+:\d+/.test(line)), run.output());
});
