/**
 * import.meta.hot is injected without moving code (spec point 4): it exists from line 1, and a throw
 * in a hot module reports the line:column it reports without hotload (see fixtures/core-lines,
 * whose positions were taken from plain `node app.mjs`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("line and column of hot modules", () => {
  let run: Running;

  before(async () => {
    run = spawnHot(join(copyFixture("core-lines"), "app.mjs"));
    await run.waitForLine("app done");
  });

  test("import.meta.hot is there from line 1 on", () => {
    assert.ok(run.lines.includes("line 1 of hot-line1.mjs saw import.meta.hot as object"), run.output());
  });

  test("a throw on line 5 reports line 5 and its own column", () => {
    const line5 = run.lines.find((line) => line.startsWith("./throw-line5.mjs threw"));
    assert.match(line5 ?? "", /^\.\/throw-line5\.mjs threw "thrown on line 5" at file:\/\/\S+\/throw-line5\.mjs:5:7$/, run.output());
  });

  test("a throw on line 1, after an import and other code on that line, reports line 1 and its own column", () => {
    const line1 = run.lines.find((line) => line.startsWith("./throw-line1.mjs threw"));
    assert.match(line1 ?? "", /^\.\/throw-line1\.mjs threw "thrown on line 1" at file:\/\/\S+\/throw-line1\.mjs:1:54$/, run.output());
  });

  test("a line 1 that holds code calling nothing keeps its columns in a module that uses import.meta.hot", () => {
    const line = run.lines.find((text) => text.startsWith("./throw-code-line1.mjs threw"));
    assert.match(
      line ?? "",
      /^\.\/throw-code-line1\.mjs threw "notDefined is not defined" at file:\/\/\S+\/throw-code-line1\.mjs:1:80$/,
      run.output(),
    );
  });

  test("import . meta, import\\n.meta and import.meta with comments between its tokens all get import.meta.hot", () => {
    assert.ok(
      run.lines.includes("import . meta, import\\n.meta and import /**/ . /**/ meta saw import.meta.hot as object, object, object"),
      run.output(),
    );
  });
});
