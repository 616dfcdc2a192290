/**
 * Handlers whose promises never settle (issue 10, item 8), on fixtures/handler-timeout: the update
 * waits HOTLOAD_HANDLER_TIMEOUT_MS, says which handler is late, and goes on; later saves apply.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a dispose or accept handler that never settles is reported once by module and kind, and every later save still applies", async () => {
  const dir = copyFixture("handler-timeout");
  const run = spawnHot(join(dir, "main.mjs"), { env: { HOTLOAD_HANDLER_TIMEOUT_MS: "300" } });
  await run.waitForLine("main ready");
  for (const [from, to] of [
    ["version = 1", "version = 22"],
    ["version = 22", "version = 333"],
  ] as const) {
    let since = run.mark();
    replaceIn(join(dir, "server.mjs"), from, to);
    await run.waitForLine(`server v${to.slice(10)} listening`, 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/server\.mjs → \.\/server\.mjs/, 10_000, since);
    const late = run.lines.slice(since).filter((l) => l.includes("has not settled"));
    assert.deepEqual(
      late,
      [
        "[hotload] dispose handler of ./server.mjs has not settled after 300 ms: the update goes on without waiting for it (HOTLOAD_HANDLER_TIMEOUT_MS sets the wait)",
      ],
      run.output(),
    );

    since = run.mark();
    replaceIn(join(dir, "widget.mjs"), from, to);
    await run.waitForLine(`widget v${to.slice(10)} evaluated`, 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/widget\.mjs → \.\/widget\.mjs/, 10_000, since);
    assert.deepEqual(
      run.lines.slice(since).filter((l) => l.includes("has not settled")),
      [
        "[hotload] accept handler of ./widget.mjs has not settled after 300 ms: the update goes on without waiting for it (HOTLOAD_HANDLER_TIMEOUT_MS sets the wait)",
      ],
      run.output(),
    );
  }
});
