/**
 * A save during a long synchronous start-up (issue 10, item 5), on fixtures/slow-start: the file
 * is compared with what Node was given when its watch is set up, however long ago that was.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a save during a 2.5 s synchronous start-up is applied once the program is up", async () => {
  const dir = copyFixture("slow-start");
  const run = spawnHot(join(dir, "main.mjs"), { env: { BUSY_MS: "2500" } });
  await run.waitForLine("busy start begins");
  replaceIn(join(dir, "dep.mjs"), "version = 1", "version = 22");
  await run.waitForLine("main ready");
  await run.waitForLine("main accepted dep v22", 10_000);
  assert.ok(run.lines.indexOf("main ready") < run.lines.indexOf("main accepted dep v22"), run.output());
});
