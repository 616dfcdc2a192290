/**
 * Memory of in-place updates: what a replaced version owned is garbage once nothing of the program
 * reaches it, as after a plain re-import under a new URL. Checked with the program's own
 * FinalizationRegistry after garbage collection, not with heap sizes: deterministic.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";
import { freePort } from "../helpers/load.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

test("the servers of replaced entry versions are collected once their connections are gone", async () => {
  const dir = copyFixture("memory");
  const port = await freePort();
  const run = spawnHot(join(dir, "server.mjs"), { env: { PORT: String(port) }, nodeArgs: ["--expose-gc"] });
  await run.waitForLine(/^listening 0$/);
  const saves = 6;
  for (let rev = 1; rev <= saves; rev++) {
    const since = run.mark();
    replaceIn(join(dir, "route.mjs"), `REV = ${rev - 1};`, `REV = ${rev};`);
    await run.waitForLine(new RegExp(`^listening ${rev}$`), 10_000, since);
    // A connection of its own (no keep-alive): the replaced server has none left.
    assert.equal((await get(port, false)).body, `rev ${rev}`, run.output());
  }
  // Only the newest server is left (one more may still be closing); every version kept its
  // predecessor before, so all of them were.
  const live = Number((await get(port, false, "/live")).body);
  assert.ok(live <= 2, `${live} of ${saves + 1} servers still in memory\n${run.output()}`);
  await run.kill();
});

test("what a replaced version registered (an accept callback, a prune handler) is collected once the update committed", async () => {
  const dir = copyFixture("memory");
  const saves = 6;
  const run = spawnHot(join(dir, "main.mjs"), { env: { LIVE_AT: String(saves) }, nodeArgs: ["--expose-gc"] });
  await run.waitForLine(/^rev 0$/);
  for (let rev = 1; rev <= saves; rev++) {
    const since = run.mark();
    replaceIn(join(dir, "counter.mjs"), `REV = ${rev - 1};`, `REV = ${rev};`);
    await run.waitForLine(new RegExp(`^rev ${rev}$`), 10_000, since);
  }
  // The last version counts before its update commits: its own callbacks and its predecessor's
  // are still held (4); every older version's were kept with its context (import.meta.hot) before.
  const live = Number(/^live (\d+)$/m.exec(run.output())?.[1]);
  assert.ok(live <= 4, `${live} of ${2 * (saves + 1)} callbacks still in memory\n${run.output()}`);
  await run.kill();
});
