/**
 * hotload's own deferred work (graph bookkeeping, starting the watcher, reporting files to the
 * supervisor) must run in a program whose event loop has nothing else to do: an unref'd
 * setImmediate would wait there for an event that never comes.
 */
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnCli, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a quiet program notices a save made right after it started", async () => {
  const dir = copyFixture("core-quiet");
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("quiet app ready with leaf 1");
  const since = run.mark();
  edit(join(dir, "leaf.mjs"), "export const version = 22;\n");
  // The entry has no hot code: it is updated in place (issue 16).
  await run.waitForLine("quiet app ready with leaf 22", 10_000, since);
});

test("hotload --no-hot restarts a quiet program on a save made right after it started", async () => {
  const dir = copyFixture("core-quiet");
  const run = spawnCli(["--no-hot", "app.mjs"], { cwd: dir });
  await run.waitForLine("quiet app ready with leaf 1");
  const since = run.mark();
  edit(join(dir, "leaf.mjs"), "export const version = 22;\n");
  await run.waitForLine("quiet app ready with leaf 22", 10_000, since);
  await run.kill("SIGTERM");
});
