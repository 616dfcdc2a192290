/**
 * Live import bindings (issue 12, part 3): a module that accepts a dependency it imports sees the
 * new version through its own imports after an accepted update. One child serving HTTP (the
 * README's server example: `createServer((req, res) => handle(req, res))`); each test edits a
 * different module of fixtures/live-bindings and asks the server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, edit, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("live import bindings", () => {
  let dir = "";
  let run: Running;
  let port = 0;
  const get = async (path: string): Promise<string> => (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  /** Edits `file` and waits for the update that applies it. */
  const updated = async (file: string, from: string, to: string): Promise<void> => {
    const since = run.mark();
    replaceIn(join(dir, file), from, to);
    await run.waitForLine(new RegExp(`^\\[hotload\\] updated \\./${file.replace(".", "\\.")} → \\./app\\.mjs`), 10_000, since);
  };

  before(async () => {
    dir = copyFixture("live-bindings");
    run = spawnHot(join(dir, "app.mjs"));
    port = Number((await run.waitForLine(/^listening on \d+$/)).split(" ")[2]);
  });

  test("a named import of a dependency accepted without a callback calls the new code", async () => {
    assert.equal(await get("/handle"), "routes v1");
    await updated("routes.mjs", "routes v1", "routes v2");
    assert.equal(await get("/handle"), "routes v2");
    // The importer kept running: its server was not started again.
    assert.equal(run.lines.filter((line) => line.startsWith("listening on")).length, 1, run.output());
  });

  test("a default import", async () => {
    assert.equal(await get("/greet"), "hello you v1");
    await updated("greeting.mjs", "v1`", "v2 (default)`");
    assert.equal(await get("/greet"), "hello you v2 (default)");
  });

  test("a namespace import", async () => {
    assert.equal(await get("/tools"), "tools v1 4");
    await updated("tools.mjs", "n * 2;", "n * 20;");
    assert.equal(await get("/tools"), "tools v1 40");
  });

  test("a JSON dependency", async () => {
    assert.equal(await get("/config"), "config v1");
    await updated("config.json", '"v1"', '"v2 json"');
    assert.equal(await get("/config"), "config v2 json");
  });

  test("a CommonJS dependency", async () => {
    assert.equal(await get("/legacy"), "legacy v1");
    await updated("legacy.cjs", "legacy v1", "legacy v2 cjs");
    assert.equal(await get("/legacy"), "legacy v2 cjs");
  });

  test("the accept callback runs after the bindings changed, with the new namespace", async () => {
    const since = run.mark();
    replaceIn(join(dir, "ordered.mjs"), "ordered v1", "ordered v2");
    await run.waitForLine("accepted ordered: binding ordered v2, namespace ordered v2", 10_000, since);
    assert.equal(await get("/order"), "ordered v2");
  });

  test("an imported export that the new version lacks is reported where it is imported, and the previous version keeps running", async () => {
    let since = run.mark();
    edit(join(dir, "routes.mjs"), 'export function handler(req, res) {\n  res.end("routes v3 renamed");\n}\n');
    await run.waitForLine(
      /^\[hotload\] .*app\.mjs:5:10 SyntaxError: The requested module '\.\/routes\.mjs' does not provide an export named 'handle' — keeping the previous version$/,
      10_000,
      since,
    );
    assert.equal(await get("/handle"), "routes v2");
    // The next good save applies.
    since = run.mark();
    edit(join(dir, "routes.mjs"), 'export function handle(req, res) {\n  res.end("routes v4");\n}\n');
    await run.waitForLine(/^\[hotload\] updated \.\/routes\.mjs → \.\/app\.mjs/, 10_000, since);
    assert.equal(await get("/handle"), "routes v4");
  });
});

describe("live import bindings in an import cycle", () => {
  test("an accepted dependency that has not run yet when its importer links is bound once it has, and updated after", async () => {
    const dir = copyFixture("live-bindings");
    const run = spawnHot(join(dir, "cycle-main.mjs"));
    await run.waitForLine("cycle says cycle v1");
    const since = run.mark();
    replaceIn(join(dir, "cycle-dep.mjs"), "cycle v1", "cycle v2");
    await run.waitForLine("cycle accepted: cycle v2", 10_000, since);
  });
});

test("a name the dependency does not provide is a link error as under plain node, also when the importer accepts that dependency", async () => {
  const dir = copyFixture("link-error");
  const run = spawnHot(join(dir, "main.mjs"));
  assert.equal(await run.exited, 1, run.output());
  assert.ok(
    run.lines.some((line) => /^SyntaxError: .*'named'/.test(line)),
    run.output(),
  );
  assert.ok(!run.lines.some((line) => line.startsWith("main runs")), run.output());
});
