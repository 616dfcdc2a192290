/**
 * An invalidation held back by a missing file is tried again when the file comes back (found by
 * the torture suite, seed 713596642: v0.mjs invalidated itself while r4.mjs, which its importer
 * imports, was deleted; r4.mjs came back with the same bytes and the invalidation was never
 * applied, so the importer kept the old child.mjs for good). fixtures/invalidate-retry: main.mjs
 * accepts parent.mjs, which imports child.mjs (self-accepting, invalidates itself in its accept
 * handler) and extra.mjs.
 */
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("an invalidation that failed on a deleted file applies once the file is back with the same bytes", async () => {
  const dir = copyFixture("invalidate-retry");
  const run = spawnHot(join(dir, "main.mjs"));
  await run.waitForLine("main ready");
  const extra = join(dir, "extra.mjs");
  const bytes = readFileSync(extra);
  // Moved away, not rewritten: the file that comes back is byte for byte what runs.
  renameSync(extra, join(dir, "extra.away"));
  await run.waitForLine(/extra\.mjs was deleted/);
  let since = run.mark();
  replaceIn(join(dir, "child.mjs"), "child v1", "child v22");
  await run.waitForLine("child evaluated: child v22", 10_000, since);
  await run.waitForLine(/Cannot find module '\.\/extra\.mjs'.*keeping the previous version/, 10_000, since);
  assert.ok(!run.lines.slice(since).includes("parent evaluated with child v22"), run.output());

  since = run.mark();
  writeFileSync(extra, bytes);
  await run.waitForLine("parent evaluated with child v22", 10_000, since);
  await run.waitForLine("main sees parent(child v22, extra v1)", 10_000, since);

  // And the next save goes through as usual.
  since = run.mark();
  replaceIn(join(dir, "child.mjs"), "child v22", "child v333");
  await run.waitForLine("main sees parent(child v333, extra v1)", 10_000, since);
  assert.ok(!run.lines.some((line) => /warning|unhandled/i.test(line)), run.output());
});
