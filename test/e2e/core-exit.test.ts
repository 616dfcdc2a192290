/** The watcher never keeps the process alive (spec point 8). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a hot script that finishes its work exits with code 0 promptly", async () => {
  const dir = copyFixture("core-exit");
  const run = spawnHot(join(dir, "app.mjs"));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after 5 s:\n${run.output()}`)), 5_000);
  });
  try {
    assert.equal(await Promise.race([run.exited, deadline]), 0, run.output());
  } finally {
    clearTimeout(timer);
  }
  assert.ok(run.lines.includes("app done with dep v=1 and later v=1"), run.output());
});
