/**
 * Errors keep the process alive and lose no edit (spec point 7), on fixtures/core-errors. Editing
 * probe.mjs makes app.mjs run `import("./dep.mjs")` again and print the version it gets.
 */
import assert from "node:assert/strict";
import { realpathSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, edit, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("errors", () => {
  let dir = "";
  let run: Running;
  let probes = 1;

  /** Saves probe.mjs and returns the dep version that a fresh import("./dep.mjs") gets. */
  const probe = async (): Promise<string> => {
    const since = run.mark();
    probes++;
    edit(join(dir, "probe.mjs"), `export const v = ${probes};\n${"//\n".repeat(probes)}`);
    const line = await run.waitForLine(`probe v${probes}: import("./dep.mjs") gives v=`, 10_000, since);
    return line.slice(line.lastIndexOf("=") + 1);
  };

  before(async () => {
    dir = realpathSync(copyFixture("core-errors"));
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("a syntax error is reported with absolute path, line, column and a code frame; the previous version keeps running; the next good save applies", async () => {
    const dep = join(dir, "dep.mjs");
    let since = run.mark();
    edit(dep, "export const v = 2;\nconst broken = ;\n");
    const line = await run.waitForLine(`[hotload] ${dep}:2:16 SyntaxError`, 10_000, since);
    assert.match(line, /keeping the previous version/);
    // The code frame follows, indented: the line itself, then a caret under the column.
    const at = run.lines.indexOf(line, since);
    await run.waitForLine(/^\s+[\s|]*\^/, 10_000, at);
    assert.ok(
      run.lines.slice(at).some((l) => /^\s+.*const broken = ;/.test(l)),
      `code frame with the line:\n${run.output()}`,
    );
    // The frame shows the file as saved: nothing hotload hands on with it (pinned-source.ts's marker).
    assert.ok(!run.output().includes("__hotload"), `code frame of the file as saved:\n${run.output()}`);

    assert.equal(await probe(), "1");
    since = run.mark();
    edit(dep, "export const v = 3;\nconsole.log(`dep v${v} evaluated`);\n");
    await run.waitForLine("app accepted dep v=3", 10_000, since);
  });

  test("a module that throws while evaluating is rolled back: a later import() gets the last good version", async () => {
    const dep = join(dir, "dep.mjs");
    const since = run.mark();
    edit(dep, 'export const v = 4;\nconsole.log(`dep v${v} evaluating`);\nthrow new Error("boom");\n');
    const line = await run.waitForLine(`[hotload] ${dep}:3:7 Error: boom`, 10_000, since);
    assert.match(line, /rolled back/);
    assert.equal(await probe(), "3");
    const later = run.lines.slice(since);
    assert.ok(later.includes("dep v4 evaluating"), run.output());
    assert.ok(!later.includes("app accepted dep v=4"), run.output());
  });

  test("an import that no longer links is reported, the previous version keeps running, and the fix applies", async () => {
    const helper = join(dir, "helper.mjs");
    let since = run.mark();
    replaceIn(helper, "export function helper()", "export function greet()");
    await run.waitForLine(/^\[hotload\] .*does not provide an export named 'helper'/, 10_000, since);

    since = run.mark();
    edit(helper, 'export function helper() {\n  return "hello again";\n}\n');
    await run.waitForLine("app accepted linker says hello again", 10_000, since);
    assert.ok(run.lines.slice(since).includes("linker evaluated, says hello again"), run.output());
  });

  test("a deleted file is reported once, the previous version keeps running, and re-creating it applies", async () => {
    const dep = join(dir, "dep.mjs");
    const since = run.mark();
    unlinkSync(dep);
    const line = await run.waitForLine(`[hotload] ${dep} was deleted`, 10_000, since);
    assert.match(line, /previous version keeps running/);
    writeFileSync(dep, "export const v = 5;\nconsole.log(`dep v${v} evaluated`);\n");
    await run.waitForLine("app accepted dep v=5", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
    assert.equal(run.lines.slice(since).filter((l) => l.includes("was deleted")).length, 1, run.output());
  });
});
