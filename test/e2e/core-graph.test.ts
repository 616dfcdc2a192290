/**
 * The module graph (spec point 3): every kind of import is an edge that carries updates, edges are
 * replaced when a module reloads, and modules nobody imports any more are pruned.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("the module graph", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-graph");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  const kinds = [
    { edge: "a static import", file: "leaf-static.mjs", host: "static-host" },
    { edge: "a re-export (export { n } from)", file: "leaf-reexport.mjs", host: "reexport-host" },
    { edge: "an export * from", file: "leaf-star.mjs", host: "star-host" },
    { edge: "a string-literal dynamic import()", file: "leaf-dynamic.mjs", host: "dynamic-host" },
  ];
  for (const { edge, file, host } of kinds) {
    test(`${edge} carries an update to the module above it`, async () => {
      const since = run.mark();
      replaceIn(join(dir, file), "n = 1", "n = 2");
      await run.waitForLine(`${host} sees n=2`, 10_000, since);
    });
  }

  test('a JSON import (with { type: "json" }) carries an update to the module above it', async () => {
    const since = run.mark();
    replaceIn(join(dir, "data.json"), `"n": 1`, `"n": 2`);
    await run.waitForLine("json-host sees n=2", 10_000, since);
  });

  test("an import removed by an edit no longer carries updates, and a module nobody imports any more is pruned", async () => {
    let since = run.mark();
    writeFileSync(
      join(dir, "switch.mjs"),
      'import { n } from "./new.mjs";\n\nconsole.log(`switch v2 sees new=${n}`);\nimport.meta.hot.accept();\n',
    );
    await run.waitForLine("switch v2 sees new=1", 10_000, since);
    await run.waitForLine("gone pruned", 10_000, since);

    // old.mjs is still imported by keeper.mjs, not by switch.mjs any more.
    since = run.mark();
    replaceIn(join(dir, "old.mjs"), "n = 1", "n = 2");
    await run.waitForLine("keeper sees old=2", 10_000, since);
    // gone.mjs was pruned: its edit does nothing. The edit of new.mjs must apply.
    replaceIn(join(dir, "gone.mjs"), "n = 1", "n = 2");
    replaceIn(join(dir, "new.mjs"), "n = 1", "n = 2");
    await run.waitForLine("switch v2 sees new=2", 10_000, since);

    const later = run.lines.slice(since);
    assert.equal(later.filter((line) => line.startsWith("switch ")).length, 1, run.output());
    assert.ok(!later.includes("old pruned"), run.output());
    assert.ok(!later.includes("gone v2 evaluated"), run.output());
    assert.ok(!run.lines.includes("old pruned"), run.output());
  });
});
