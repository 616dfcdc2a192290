/**
 * When several processes of one tree run hotload (fork(), NODE_OPTIONS), their lines say which
 * one speaks: `[hotload pid N]`; the first process's main thread stays `[hotload]` (issue 13).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a forked child's lines carry its pid; the first process's stay plain; neither program sees HOTLOAD_FIRST_PID", async () => {
  const dir = copyFixture("core-fork");
  const run = spawnHot(join(dir, "app.mjs"));
  try {
    const parent = await run.waitForLine(/^parent pid=\d+ child=\d+ value=1$/);
    const child = /child=(\d+)/.exec(parent)![1]!;
    await run.waitForLine(new RegExp(`^child pid=${child} value=1$`));
    // As under plain node, neither program sees a variable of hotload's (issue 22, case 6).
    await run.waitForLine(/^parent env lacks HOTLOAD_FIRST_PID$/);
    await run.waitForLine(/^child env lacks HOTLOAD_FIRST_PID$/);
    const since = run.mark();
    edit(join(dir, "shared.mjs"), "export const value = 22;\n");
    await run.waitForLine(new RegExp(`^\\[hotload pid ${child}\\] updated \\./shared\\.mjs`), 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/shared\.mjs/, 10_000, since);
    const tags = run.lines.filter((line) => line.startsWith("[hotload")).map((line) => /^\[hotload[^\]]*\]/.exec(line)![0]);
    assert.deepEqual([...new Set(tags)].sort(), ["[hotload pid " + child + "]", "[hotload]"], run.output());
  } finally {
    await run.kill("SIGTERM");
  }
});
