/**
 * What an update leaves behind (issue 10, item 11), on fixtures/gate-modules: the gate that holds
 * new versions is one module shared by every update, not one data: module per update that Node
 * keeps for good.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("updates add no data: module per update: the count after the 12th equals the count after the 2nd", async () => {
  const dir = copyFixture("gate-modules");
  const run = spawnHot(join(dir, "app.mjs"), { nodeArgs: ["--import", "./count.mjs"] });
  await run.waitForLine("app ready");
  const counts: number[] = [];
  for (let i = 1; i <= 12; i++) {
    const since = run.mark();
    edit(join(dir, "leaf.mjs"), `export const version = ${i};${" ".repeat(i)}\n`);
    const line = await run.waitForLine(new RegExp(`^app accepted leaf ${i}, data modules: \\d+$`), 10_000, since);
    counts.push(Number(/(\d+)$/.exec(line)![1]));
  }
  assert.equal(counts.at(-1), counts[1], `data modules after each update: ${counts.join(", ")}`);
});
