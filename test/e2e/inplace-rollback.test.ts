/**
 * A new version that throws as it runs is rolled back, and the version that stays is the one that
 * ran before, whole: its timers go on and its `process` listeners answer, as if the save had never
 * happened. (A restart would have died at start; the old process, had it been kept, would be intact.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

for (const [kind, folder, entry, routes] of [
  ["ES modules", "esm", "server.mjs", "routes.mjs"],
  ["CommonJS", "cjs", "server.js", "routes.js"],
] as const) {
  test(`a new version that throws at its top level leaves the old one running whole (${kind}); the next good save applies`, async () => {
    const dir = join(copyFixture("inplace-rollback"), folder);
    const run = spawnHot(join(dir, entry));
    const port = Number((await run.waitForLine(/^listening on \d+$/, 10_000)).slice("listening on ".length));
    await run.waitForLine("beat hello v1");
    const since = run.mark();
    edit(join(dir, routes), (old) => `if (Date.now() > 0) throw new Error("boom at start");\n${old}`);
    await run.waitForLine(/^\[hotload\] .*boom at start — rolled back to the previous version$/, 10_000, since);
    // The entry's interval beats on, the server answers, and nothing says the old version stopped.
    await run.waitForLine("beat hello v1", 3_000, run.mark());
    assert.equal((await get(port, false, "/")).body, "hello v1");
    assert.deepEqual(
      run.lines.slice(since).filter((line) => /failed after its old version stopped/.test(line)),
      [],
      run.output(),
    );
    const fixed = run.mark();
    edit(join(dir, routes), (old) => old.replace(/^if .*\n/, "").replace("hello v1", "hello v2!"));
    await run.waitForLine(/^\[hotload\] updated /, 10_000, fixed);
    await run.waitForLine("beat hello v2!", 3_000, fixed);
    assert.equal((await get(port, false, "/")).body, "hello v2!");
    await run.kill("SIGTERM");
  });

  test(`after a new version threw (${kind}), SIGTERM runs the old version's handler and the exit code is its own`, async () => {
    const dir = join(copyFixture("inplace-rollback"), folder);
    const run = spawnHot(join(dir, entry));
    await run.waitForLine(/^listening on \d+$/, 10_000);
    const since = run.mark();
    edit(join(dir, routes), (old) => `if (Date.now() > 0) throw new Error("boom at start");\n${old}`);
    await run.waitForLine(/rolled back to the previous version$/, 10_000, since);
    const code = await run.kill("SIGTERM");
    assert.equal(code, 0, run.output());
    assert.ok(run.lines.slice(since).includes("bye"), run.output());
  });
}
