/**
 * Data files in a real program (issue 4), on fixtures/real-files: JSON imported with a type
 * attribute or loaded with require(), and files that are not modules (a template, an SQL file, a
 * prompt) made dependencies with import.meta.hot.addDependency().
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("JSON and files that are not modules", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("real-files");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
    assert.ok(run.lines.includes("app sees hello x1, level info, max 10, <p>Hello, Ada!</p>"), run.output());
  });

  test('a JSON file imported with { type: "json" } is hot: its importer\'s accept callback gets the new data', async () => {
    const since = run.mark();
    replaceIn(join(dir, "config.json"), '"greeting": "hello"', '"greeting": "howdy"');
    await run.waitForLine("app accepted config.json: howdy x1", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/config\.json → \.\/app\.mjs/, 10_000, since);
  });

  test("a broken JSON edit is reported with its file and the previous data stays; the next good save applies", async () => {
    let since = run.mark();
    replaceIn(join(dir, "config.json"), '"retries": 1', '"retries": 1,,');
    await run.waitForLine(/^\[hotload\] .*config\.json.*SyntaxError/, 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("app accepted config.json")), run.output());
    since = run.mark();
    replaceIn(join(dir, "config.json"), '"retries": 1,,', '"retries": 3');
    await run.waitForLine("app accepted config.json: howdy x3", 10_000, since);
  });

  test("a JSON file loaded with require() in a CommonJS module is hot, through that module", async () => {
    const since = run.mark();
    replaceIn(join(dir, "settings.json"), '"level": "info"', '"level": "debug"');
    await run.waitForLine("app accepted settings.cjs: level debug", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/settings\.json → \.\/app\.mjs/, 10_000, since);
  });

  test("a JSON file loaded with createRequire() in an ES module is hot, and require() returns the new data", async () => {
    const since = run.mark();
    replaceIn(join(dir, "limits.json"), '"max": 10', '"max": 250');
    await run.waitForLine("app accepted limits.json: max 250, require() sees max 250", 10_000, since);
  });

  test("addDependency(url): saving the template updates the module that reads it, up to its accepting importer", async () => {
    const since = run.mark();
    replaceIn(join(dir, "assets/page.html"), "Hello, {name}!", "Welcome back, {name}.");
    await run.waitForLine("app accepted template.mjs: <p>Welcome back, Ada.</p>", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/assets\/page\.html → \.\/app\.mjs/, 10_000, since);
    assert.equal(run.lines.slice(since).filter((line) => line === "template.mjs evaluated").length, 1, run.output());
  });

  test("addDependency(relative path) and addDependency(absolute path): saving either re-runs a self-accepting module as if its own source had changed", async () => {
    let since = run.mark();
    replaceIn(join(dir, "assets/query.sql"), "select name from users", "select name, email from users");
    await run.waitForLine('queries.mjs evaluated (2): users "select name, email from users", prompt "Be brief."', 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/assets\/query\.sql → \.\/queries\.mjs/, 10_000, since);
    since = run.mark();
    replaceIn(join(dir, "assets/prompt.md"), "Be brief.", "Be brief and kind.");
    await run.waitForLine('queries.mjs evaluated (3): users "select name, email from users", prompt "Be brief and kind."', 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.startsWith("app ")), run.output());
  });
});
