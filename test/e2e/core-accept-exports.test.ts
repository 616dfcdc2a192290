/**
 * import.meta.hot.acceptExports (issue 12, part 4), with Vite's semantics: a module accepts
 * changes to the listed exports; importers that use only those (or import it for side effects)
 * are left alone, importers that use other exports (a named import, a namespace) are updated as
 * if it did not accept. Real child, real files (fixtures/core-accept-exports).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, edit, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

describe("import.meta.hot.acceptExports", () => {
  test("the module updates itself, importers of other exports are updated, importers of accepted exports and side-effect importers are not", async () => {
    const dir = copyFixture("core-accept-exports");
    const run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), 'export const other = "o1";', 'export const other = "o2!";');
    await run.waitForLine("dep evaluated: a1 o2!", 10_000, since);
    await run.waitForLine("uses-other evaluated: o2!", 10_000, since);
    await run.waitForLine("dep accepted itself: a1 o2!", 10_000, since);
    const updated = await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
    assert.doesNotMatch(updated, /restart/, run.output());
    const after = run.lines.slice(since);
    assert.ok(!after.some((line) => line.startsWith("uses-accepted evaluated")), run.output());
    assert.ok(!after.some((line) => line.startsWith("side-effect evaluated")), run.output());
  });

  test("a change to an accepted export alone still updates the importers of other exports (exports are not compared)", async () => {
    const dir = copyFixture("core-accept-exports");
    const run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), 'export const accepted = "a1";', 'export const accepted = "a2!";');
    await run.waitForLine("dep accepted itself: a2! o1", 10_000, since);
    await run.waitForLine("uses-other evaluated: o1", 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("uses-accepted evaluated")), run.output());
  });

  test("a namespace import uses every export: with only some accepted, its module is updated", async () => {
    const dir = copyFixture("core-accept-exports");
    const run = spawnHot(join(dir, "app-namespace.mjs"));
    await run.waitForLine("app ready");
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), 'export const other = "o1";', 'export const other = "o3!";');
    await run.waitForLine("namespace evaluated: accepted,other", 10_000, since);
    await run.waitForLine("dep accepted itself: a1 o3!", 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("uses-accepted evaluated")), run.output());
  });

  test("with every export listed, a namespace importer is left alone (the module accepts itself whole)", async () => {
    const dir = copyFixture("core-accept-exports");
    replaceIn(join(dir, "dep.mjs"), 'acceptExports(["accepted"]', 'acceptExports(["accepted", "other"]');
    const run = spawnHot(join(dir, "app-namespace.mjs"));
    await run.waitForLine("app ready");
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), 'export const other = "o1";', 'export const other = "o4!";');
    await run.waitForLine("dep accepted itself: a1 o4!", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("namespace evaluated")), run.output());
  });
  test("an importer that accepts the module runs its callback and gets the new binding, even for accepted exports only (Vite asks it first)", async () => {
    const dir = copyFixture("core-accept-exports");
    const run = spawnHot(join(dir, "app-accepts.mjs"));
    await run.waitForLine("app ready: a1");
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), 'export const accepted = "a1";', 'export const accepted = "a2!";');
    await run.waitForLine("app accepted dep: a2!, binding a2!", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("app ready")), run.output());
  });

  test("a dynamic importer is left alone when the module accepts every export it has (Vite: accepts itself)", async () => {
    const dir = copyFixture("core-accept-exports");
    const run = spawnHot(join(dir, "app-dynamic.mjs"));
    await run.waitForLine("loaded:all:a0b0c0default0");
    await run.waitForLine("app ready");
    for (const [from, to] of [
      ["0", "11"],
      ["11", "2"],
    ] as const) {
      const since = run.mark();
      edit(join(dir, "all-accepted.mjs"), (code) => code.replace(new RegExp(`([abc])${from}"`, "g"), `$1${to}"`));
      await run.waitForLine(`all >>>>>> a${to}, b${to}, c${to}`, 10_000, since);
      const updated = await run.waitForLine(/^\[hotload\] updated \.\/all-accepted\.mjs/, 10_000, since);
      assert.doesNotMatch(updated, /restart/, run.output());
      assert.ok(!run.lines.slice(since).some((line) => line.startsWith("loaded:all") || line === "app ready"), run.output());
    }
  });
});
