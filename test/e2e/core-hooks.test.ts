/**
 * Which modules are hot (spec point 1): `file:` URLs outside node_modules. Builtins, packages in
 * node_modules and `data:` URLs load untouched: no import.meta.hot, no version, no watching.
 */
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("hot modules get import.meta.hot while builtins, node_modules packages and data: URLs load untouched", async () => {
  const dir = realpathSync(copyFixture("core-hooks"));
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("app ready");
  const pkgUrl = pathToFileURL(join(dir, "node_modules/pkg/index.js")).href;

  assert.ok(run.lines.includes("app hot=object"), run.output());
  assert.ok(run.lines.includes("dep v1 evaluated hot=object pkg calls=1"), run.output());
  assert.ok(run.lines.includes("data module hot=undefined"), run.output());
  assert.ok(run.lines.includes(`pkg evaluated hot=undefined url=${pkgUrl}`), run.output());
  assert.ok(run.lines.includes(`app resolves pkg to ${pkgUrl}`), run.output());
  assert.ok(run.lines.includes("app resolves node:fs to node:fs"), run.output());
});

test("editing a package in node_modules does nothing, and every version of a hot module shares its one instance", async () => {
  const dir = realpathSync(copyFixture("core-hooks"));
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("app ready");

  let since = run.mark();
  replaceIn(join(dir, "dep.mjs"), "v = 1", "v = 2");
  await run.waitForLine("app accepted dep v=2", 10_000, since);
  // pkg's counter goes on: dep v2 imported the instance dep v1 had, not a new copy.
  assert.ok(run.lines.slice(since).includes("dep v2 evaluated hot=object pkg calls=2"), run.output());

  since = run.mark();
  replaceIn(join(dir, "node_modules/pkg/index.js"), "pkg evaluated", "pkg v2 evaluated");
  // A later save that must apply: had pkg been watched, its change would show up before or with it.
  replaceIn(join(dir, "dep.mjs"), "v = 2", "v = 3");
  await run.waitForLine("app accepted dep v=3", 10_000, since);
  await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
  const later = run.lines.slice(since);
  assert.ok(later.includes("dep v3 evaluated hot=object pkg calls=3"), run.output());
  assert.ok(!later.some((line) => line.includes("pkg v2 evaluated")), run.output());
  assert.ok(!later.some((line) => line.startsWith("[hotload]") && line.includes("node_modules")), run.output());
  assert.equal(run.lines.filter((line) => line.startsWith("pkg ")).length, 1, run.output());
});
