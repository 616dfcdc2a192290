/**
 * A broken edit leaves the running version untouched: the new versions of an update wait at a
 * gate until they have all loaded and linked, and only then are the old ones disposed. A syntax
 * error or an import that no longer links therefore runs no dispose handler at all; an error
 * while evaluating happens after the dispose, and that version's handlers never run twice.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

const LEAF = (value: string): string =>
  `export const value = "${value}";\nimport.meta.hot?.dispose(() => console.log(\`leaf disposed (\${value})\`));\n`;

describe("the update gate", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-gate");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app started with mid(leaf 1)");
  });

  // Old versions are disposed from the changed module up the chain.
  test("a syntax error disposes nothing: the next good save disposes each old version once", async () => {
    const since = run.mark();
    edit(join(dir, "leaf.mjs"), 'export const value = "leaf 2" +;\n');
    await run.waitForLine(/leaf\.mjs:1:\d+ SyntaxError: .* keeping the previous version$/, 10_000, since);
    edit(join(dir, "leaf.mjs"), LEAF("leaf 3"));
    await run.waitForLine("app now shows mid(leaf 3)", 10_000, since);
    const later = run.lines.slice(since);
    assert.deepEqual(
      later.filter((l) => l.includes("disposed")),
      ["leaf disposed (leaf 1)", "mid disposed (mid(leaf 1))"],
      run.output(),
    );
  });

  test("an import that no longer links disposes nothing", async () => {
    const since = run.mark();
    edit(join(dir, "leaf.mjs"), 'export const renamed = "leaf 4";\n');
    await run.waitForLine(
      /mid\.mjs:1:\d+ SyntaxError: .*does not provide an export named 'value' — keeping the previous version$/,
      10_000,
      since,
    );
    edit(join(dir, "leaf.mjs"), LEAF("leaf 5"));
    await run.waitForLine("app now shows mid(leaf 5)", 10_000, since);
    const later = run.lines.slice(since);
    assert.deepEqual(
      later.filter((l) => l.includes("disposed")),
      ["leaf disposed (leaf 3)", "mid disposed (mid(leaf 3))"],
      run.output(),
    );
  });

  test("after an error while evaluating, the rolled-back version is not disposed a second time", async () => {
    const since = run.mark();
    edit(join(dir, "leaf.mjs"), 'export const value = "leaf 6";\nthrow new Error("leaf 6 fails");\n');
    await run.waitForLine(/leaf\.mjs:2:7 Error: leaf 6 fails — rolled back to the previous version$/, 10_000, since);
    edit(join(dir, "leaf.mjs"), LEAF("leaf 7"));
    await run.waitForLine("app now shows mid(leaf 7)", 10_000, since);
    const later = run.lines.slice(since);
    // Disposed once, by the failed attempt; the good save finds nothing left to dispose.
    assert.deepEqual(
      later.filter((l) => l.includes("disposed")),
      ["leaf disposed (leaf 5)", "mid disposed (mid(leaf 5))"],
      run.output(),
    );
  });
});
