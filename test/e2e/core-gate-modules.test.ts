/**
 * What an update leaves behind (issue 10, item 11), on fixtures/gate-modules: beside the new
 * versions themselves, Node keeps exactly one data: module per update (its gate, about 1.4 KB), as
 * docs/limits.md's Memory paragraph says; nothing else accumulates. A gate on line 1 of every new
 * version would spare it, but would move line 1 and misalign coverage across versions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("each update adds at most one data: module (its gate), whatever the number of updates", async () => {
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
  const added = counts.slice(1).map((count, i) => count - counts[i]!);
  assert.ok(
    added.every((n) => n <= 1),
    `data modules after each update: ${counts.join(", ")}`,
  );
});
