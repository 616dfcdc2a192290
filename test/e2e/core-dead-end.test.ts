/**
 * Dead ends (spec point 6): a change nothing accepts, or one that reaches a module that declined
 * updates, re-evaluates nothing. hotload prints one line naming the file, the chain and that a
 * restart is needed, and the process keeps running the old code (app.mjs prints the values it
 * holds each time it accepts ok.mjs).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("dead ends", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-dead-end");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("a change that reaches the entry without a boundary re-evaluates nothing and prints one line with the chain and that a restart is needed", async () => {
    const since = run.mark();
    replaceIn(join(dir, "dep.mjs"), "dep = 1", "dep = 2");
    const line = await run.waitForLine(/^\[hotload\] cannot hot-update \.\/dep\.mjs/, 10_000, since);
    assert.ok(line.includes("./dep.mjs → ./mid.mjs → ./app.mjs"), line);
    assert.match(line, /restart/);

    // A later accepted save still applies, and app.mjs still holds the old value.
    replaceIn(join(dir, "ok.mjs"), "v = 1", "v = 2");
    await run.waitForLine("app accepted ok v=2, still running value=1 declinedValue=1", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/ok\.mjs/, 10_000, since);
    const later = run.lines.slice(since);
    assert.equal(later.filter((l) => l.includes("cannot hot-update")).length, 1, run.output());
    for (const evaluated of ["dep v2 evaluated", "mid evaluated", "app evaluated"]) {
      assert.ok(!later.some((l) => l.startsWith(evaluated)), `${evaluated}:\n${run.output()}`);
    }
  });

  test("a change that reaches a module which declined updates is a dead end too", async () => {
    const since = run.mark();
    replaceIn(join(dir, "declined-dep.mjs"), "n = 1", "n = 2");
    const line = await run.waitForLine(/^\[hotload\] cannot hot-update \.\/declined-dep\.mjs/, 10_000, since);
    assert.match(line, /\.\/declining\.mjs declined/);
    assert.match(line, /restart/);

    replaceIn(join(dir, "ok.mjs"), "v = 2", "v = 3");
    await run.waitForLine("app accepted ok v=3, still running value=1 declinedValue=1", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/ok\.mjs/, 10_000, since);
    const later = run.lines.slice(since);
    assert.equal(later.filter((l) => l.includes("cannot hot-update")).length, 1, run.output());
    for (const evaluated of ["declined-dep v2 evaluated", "declining evaluated", "app evaluated"]) {
      assert.ok(!later.some((l) => l.startsWith(evaluated)), `${evaluated}:\n${run.output()}`);
    }
  });
});
