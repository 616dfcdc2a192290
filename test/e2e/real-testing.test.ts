/**
 * Test suites and fixtures (issue 4): importFresh() from hotload/api on fixtures/real-fresh, and
 * the two runnable node:test examples in examples/, each run as a child exactly as their header
 * says: `node --import hotload --test examples/<name>.test.mjs` from the repository root.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, ROOT, spawnCommand, spawnHot } from "../helpers/e2e.js";

after(cleanup);

describe("importFresh()", () => {
  test("returns a newly evaluated instance of a module and of the project modules it imports, shares packages, and leaves the program's instances alone", async () => {
    const dir = copyFixture("real-fresh");
    // The package both the program and the fresh instances import (in place, the repository's).
    symlinkSync(join(ROOT, "node_modules/acorn"), join(dir, "node_modules/acorn"), "dir");
    const run = spawnHot(join(dir, "app.mjs"));
    const exit = await run.exited;
    assert.equal(exit, 0, run.output());
    for (const line of [
      "fresh instances are new: true",
      "fresh state: first 2, second 0, program 1",
      "project imports are fresh too: true",
      "packages are shared: true",
    ]) {
      assert.ok(run.lines.includes(line), `${line}\n${run.output()}`);
    }
    assert.match(run.output(), /^the program's graph is untouched: true \(app\.mjs@0 helper\.mjs@0 store\.mjs@0\)$/m);
    // The program's instance, then one per importFresh() call: each with its own helper.mjs.
    assert.equal(run.lines.filter((line) => line === "store.mjs evaluated").length, 3, run.output());
    assert.equal(run.lines.filter((line) => line === "helper.mjs evaluated").length, 3, run.output());
  });
});

describe("the node:test examples", () => {
  const examples = [
    { name: "fresh-module", what: "a fresh module per test", tests: 5 },
    { name: "accept-handler", what: "a test that edits a file, calls update() and checks the running code", tests: 3 },
  ];
  for (const { name, what, tests } of examples) {
    test(`examples/${name}.test.mjs (${what}) passes under node --import hotload --test`, async () => {
      const run = spawnCommand(process.execPath, ["--import", "hotload", "--test", "--test-reporter=tap", `examples/${name}.test.mjs`], {
        cwd: ROOT,
      });
      const exit = await run.exited;
      assert.equal(exit, 0, run.output());
      assert.ok(run.lines.includes(`# pass ${tests}`), run.output());
      assert.ok(run.lines.includes("# fail 0"), run.output());
    });
  }
});
