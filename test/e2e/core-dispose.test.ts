/**
 * dispose(cb) and data (spec points 4 and 5): every dispose handler of the old version runs, and
 * is awaited, before the new version evaluates; the new version reads what they left in `data`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("all dispose handlers run, async ones awaited, before the new version evaluates, and it sees their data", async () => {
  const dir = copyFixture("core-dispose");
  const counter = join(dir, "counter.mjs");
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("app ready");
  assert.ok(run.lines.includes("counter v1 evaluated with data {}"), run.output());

  let since = run.mark();
  replaceIn(counter, "v = 1", "v = 2");
  const second = await run.waitForLine("counter v2 evaluated with data", 10_000, since);
  const data: unknown = JSON.parse(second.slice(second.indexOf("{")));
  assert.deepEqual(data, { disposedBy: 1, disposals: 1 });
  const later = run.lines.slice(since);
  const started = later.indexOf("counter v1 slow dispose started");
  const finished = later.indexOf("counter v1 slow dispose finished");
  const quick = later.indexOf("counter v1 quick dispose ran");
  const evaluated = later.indexOf(second);
  assert.ok(started >= 0 && started < finished && finished < evaluated, run.output());
  assert.ok(quick >= 0 && quick < evaluated, run.output());
  assert.ok(!later.includes("app evaluated"), run.output());

  // The next update runs the handlers of v2, not those of v1 again.
  since = run.mark();
  replaceIn(counter, "v = 2", "v = 3");
  const third = await run.waitForLine("counter v3 evaluated with data", 10_000, since);
  const thirdData = JSON.parse(third.slice(third.indexOf("{"))) as { disposedBy?: unknown };
  assert.equal(thirdData.disposedBy, 2, third);
  const last = run.lines.slice(since);
  const finishedV2 = last.indexOf("counter v2 slow dispose finished");
  assert.ok(finishedV2 >= 0 && finishedV2 < last.indexOf(third), run.output());
  assert.ok(!last.some((line) => line.startsWith("counter v1")), run.output());
});
