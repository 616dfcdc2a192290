/**
 * An invalidation that goes round an import cycle (issue 10, item 9; Vite's "invalidate in
 * circular dep should not trigger infinite HMR"), on fixtures/invalidate-cycle.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCli, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("invalidate() that comes back round a cycle stops with one line, the program's timers keep running, and the next save is handled", async () => {
  const dir = copyFixture("invalidate-cycle");
  const run = spawnHot(join(dir, "main.mjs"));
  await run.waitForLine("main ready");
  for (const [from, to] of [
    ["child v1", "child v22"],
    ["child v22", "child v333"],
  ] as const) {
    const since = run.mark();
    replaceIn(join(dir, "child.mjs"), from, to);
    await run.waitForLine(
      /^\[hotload\] cannot hot-update \.\/child\.mjs: invalidate\(\) came back to it round an import cycle \(\.\/child\.mjs → \.\/parent\.mjs → \.\/child\.mjs\); restart needed/,
      10_000,
      since,
    );
    const stopped = run.mark();
    // Ten ticks of the program's 20 ms timer later, nothing has evaluated again. (stdout and
    // stderr arrive on two pipes: only lines of one stream keep their order here.)
    const first = await run.waitForLine(/^tick \d+$/, 10_000, stopped);
    const tick = Number(/tick (\d+)/.exec(first)![1]);
    await run.waitForLine(`tick ${tick + 10}`, 10_000, stopped);
    const later = run.lines.slice(since);
    assert.equal(later.filter((l) => l === "child evaluated").length, 1, run.output());
    assert.equal(later.filter((l) => l === "parent evaluated").length, 1, run.output());
    assert.ok(!run.lines.slice(run.lines.indexOf(first, stopped)).some((l) => l.endsWith(" evaluated")), run.output());
    assert.ok(!run.lines.slice(stopped).some((l) => l.startsWith("[hotload]")), run.output());
  }
});

test("under the hotload command, an invalidation that comes back round a cycle restarts the program, which runs the new code", async () => {
  const dir = copyFixture("invalidate-cycle");
  const run = spawnCli(["main.mjs"], { cwd: dir });
  try {
    await run.waitForLine("main ready");
    const since = run.mark();
    replaceIn(join(dir, "child.mjs"), "child v1", "child v22");
    await run.waitForLine(
      /^\[hotload\] restart: \.\/child\.mjs called invalidate\(\) and it came back round an import cycle.*new process (?:spawned|ready) in \d+ ms$/,
      15_000,
      since,
    );
    await run.waitForLine("main sees parent(child v22)", 10_000, since);
  } finally {
    run.child.kill("SIGTERM");
    await run.exited;
  }
});
