/**
 * The accept forms of import.meta.hot, invalidate(), and on/off for the update events (spec
 * point 4). One child; each test edits a different module of fixtures/core-accept.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("import.meta.hot", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-accept");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("accept() makes a module re-import itself, and nothing above it re-evaluates", async () => {
    const since = run.mark();
    replaceIn(join(dir, "self.mjs"), "v = 1", "v = 2");
    await run.waitForLine("self v2 evaluated", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/self\.mjs/, 10_000, since);
    // stdout and stderr are read separately: this stdout line marks the end of the update.
    await run.waitForLine("event hotload:afterUpdate", 10_000, since);
    const later = run.lines.slice(since);
    assert.equal(later.filter((line) => line === "self v2 evaluated").length, 1, run.output());
    assert.ok(!later.includes("app evaluated"), run.output());
  });

  test("accept(callback) calls the callback with the new module namespace", async () => {
    const since = run.mark();
    replaceIn(join(dir, "self-callback.mjs"), "v = 1", "v = 2");
    await run.waitForLine(/^self-callback v\d accepted the new version v=2$/, 10_000, since);
  });

  test("accept(dep, callback) calls the callback with the dep's new namespace, and the accepting module does not re-evaluate", async () => {
    const since = run.mark();
    replaceIn(join(dir, "dep-a.mjs"), "v = 1", "v = 2");
    await run.waitForLine("app accepted dep-a v=2", 10_000, since);
    const later = run.lines.slice(since);
    assert.equal(later.filter((line) => line === "dep-a v2 evaluated").length, 1, run.output());
    assert.ok(!later.includes("app evaluated"), run.output());
  });

  test("accept([deps], callback) calls the callback with an array of namespaces in the order of the deps", async () => {
    let since = run.mark();
    replaceIn(join(dir, "dep-c.mjs"), "v = 1", "v = 2");
    // Vite passes undefined for the deps that did not change; their current namespace is fine too.
    await run.waitForLine(/^app accepted \[dep-b, dep-c\] b=(undefined|1) c=2$/, 10_000, since);
    since = run.mark();
    replaceIn(join(dir, "dep-b.mjs"), "v = 1", "v = 2");
    await run.waitForLine(/^app accepted \[dep-b, dep-c\] b=2 c=(undefined|2)$/, 10_000, since);
  });

  test("invalidate(message) hands the update on to the module's importers and reports the message", async () => {
    const since = run.mark();
    replaceIn(join(dir, "invalidating.mjs"), "v = 1", "v = 2");
    await run.waitForLine("app accepted invalidating v=2", 10_000, since);
    await run.waitForLine(/^\[hotload\] .*v changed from 1 to 2/, 10_000, since);
  });

  test("hotload:beforeUpdate and hotload:afterUpdate surround an update, hotload:error reports a failed one, and off() removes a listener", async () => {
    let since = run.mark();
    replaceIn(join(dir, "dep-a.mjs"), "v = 2", "v = 3");
    // Anchor on this update's own lines: the previous test's update may still print its last event.
    await run.waitForLine("app accepted dep-a v=3", 10_000, since);
    const acceptedAt = run.lines.indexOf("app accepted dep-a v=3", since);
    await run.waitForLine("event hotload:afterUpdate", 10_000, acceptedAt);
    const evaluated = run.lines.indexOf("dep-a v3 evaluated", since);
    const before = run.lines.lastIndexOf("event hotload:beforeUpdate", evaluated);
    const afterUpdate = run.lines.indexOf("event hotload:afterUpdate", acceptedAt);
    assert.ok(before >= since && before < evaluated && evaluated < acceptedAt && acceptedAt < afterUpdate, run.output());

    since = run.mark();
    replaceIn(join(dir, "dep-a.mjs"), "v = 3;", "v = 4 +;");
    await run.waitForLine("event hotload:error", 10_000, since);
    since = run.mark();
    replaceIn(join(dir, "dep-a.mjs"), "v = 4 +;", "v = 4;");
    await run.waitForLine("app accepted dep-a v=4", 10_000, since);

    // The self-removing listener ran for the first update of this process only.
    assert.equal(run.lines.filter((line) => line === "event hotload:beforeUpdate (once)").length, 1, run.output());
  });
});
