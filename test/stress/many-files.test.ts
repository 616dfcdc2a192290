/**
 * Hardening (issue 6): 100 files saved at once are one update, not 100. fixtures/stress-app imports
 * and accepts f000.mjs … f099.mjs and sentinel.mjs.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/e2e.js";
import { printedUpdates, startApp, versioned } from "./harness.js";

after(cleanup);

const FILES = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, "0")}.mjs`);

test("100 files saved at once are applied in one update, each module evaluated once", async () => {
  const files: Record<string, string> = { "sentinel.mjs": versioned("sentinel", 1) };
  for (const name of FILES) files[name] = versioned(name, 1);
  const { dir, run } = await startApp(
    files,
    [...FILES, "sentinel.mjs"].map((name) => `./${name}`),
  );

  const since = run.mark();
  for (const name of FILES) writeFileSync(join(dir, name), versioned(name, 2));
  await run.waitForLine(/^UPDATE \{.*"status":"updated"/, 30_000, since);
  // Anything still to come from those saves comes before the update of a later save.
  writeFileSync(join(dir, "sentinel.mjs"), versioned("sentinel", 2));
  const sentinel = await run.waitForLine(/^UPDATE \{.*sentinel\.mjs/, 30_000, since);
  const done = run.lines.indexOf(sentinel, since);

  const updates = printedUpdates(run, since, done + 1).filter((u) => u.files.some((f) => FILES.includes(f.slice(dir.length + 1))));
  assert.equal(updates.length, 1, `updates of the 100 files:\n${updates.map((u) => `${u.status}: ${u.files.length} files`).join("\n")}`);
  assert.equal(updates[0]!.status, "updated", JSON.stringify(updates[0]));
  assert.deepEqual(
    [...updates[0]!.files].sort(),
    FILES.map((name) => join(dir, name)),
  );
  assert.equal(run.lines.slice(since).filter((line) => /^\[hotload\] updated .*f000\.mjs/.test(line)).length, 1, run.output());
  for (const name of FILES) {
    const evaluated = run.lines.slice(since).filter((line) => line === `${name} v2 evaluated`).length;
    assert.equal(evaluated, 1, `${name} v2 evaluated ${evaluated} times`);
    assert.ok(run.lines.includes(`accepted ./${name} v=2`), `${name} v2 was not accepted`);
  }
});
