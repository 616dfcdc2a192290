/**
 * Propagation (spec point 5), on fixtures/core-propagation:
 *   app.mjs → boundary.mjs (accepts ./mid.mjs) → mid.mjs → a.mjs → leaf.mjs
 *                                                       → b.mjs → leaf.mjs
 *   app.mjs → cycle-a.mjs (accepts itself) ⇄ cycle-b.mjs
 * Modules print one line each time they evaluate, so the tests count evaluations.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/** What app.mjs prints (stdout) when an update is over: every evaluation line is before it. */
const END = "app saw the update end";

/** How many of `lines` start with `prefix`. */
function count(lines: string[], prefix: string): number {
  return lines.filter((line) => line.startsWith(prefix)).length;
}

describe("propagation", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-propagation");
    // A save is read as soon as its event arrives (watcher.ts): two files written one after the
    // other are one update only when both events come before the read. HOTLOAD_SETTLE_MS gives
    // every save a fixed quiet time, so "saved together" is deterministic on a busy machine too.
    run = spawnHot(join(dir, "app.mjs"), { env: { HOTLOAD_SETTLE_MS: "40" } });
    await run.waitForLine("app ready");
  });

  test("a change re-evaluates each module between it and the boundary once, in dependency order, and nothing at or above the boundary", async () => {
    const since = run.mark();
    replaceIn(join(dir, "leaf.mjs"), "n = 1", "n = 2");
    await run.waitForLine("boundary accepted mid, total=220", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/leaf\.mjs → \.\/boundary\.mjs in /, 10_000, since);
    const later = run.lines.slice(since);
    for (const module of ["leaf", "a", "b", "mid"]) assert.equal(count(later, `${module} evaluated`), 1, `${module}:\n${run.output()}`);
    assert.equal(count(later, "boundary evaluated"), 0, run.output());
    assert.equal(count(later, "app evaluated"), 0, run.output());
    const order = [
      "leaf evaluated, n=2",
      "a evaluated, a=20",
      "b evaluated, b=200",
      "mid evaluated, total=220",
      "boundary accepted mid, total=220",
    ];
    const at = order.map((line) => later.indexOf(line));
    assert.ok(
      at.every((index, i) => index >= 0 && (i === 0 || index > at[i - 1]!)),
      `expected in this order: ${order.join(" | ")}\n${run.output()}`,
    );
  });

  test("files saved together are applied as one update, listing all of them", async () => {
    const since = run.mark();
    replaceIn(join(dir, "a.mjs"), "n * 10", "n * 30");
    replaceIn(join(dir, "b.mjs"), "n * 100", "n * 300");
    await run.waitForLine("boundary accepted mid, total=660", 10_000, since);
    // A later save that must apply: an update split in two would show before it.
    replaceIn(join(dir, "leaf.mjs"), "n = 2", "n = 3");
    await run.waitForLine("boundary accepted mid, total=990", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/leaf\.mjs/, 10_000, since);
    const later = run.lines.slice(since);
    const updates = later.filter((line) => line.startsWith("[hotload] updated"));
    assert.equal(updates.length, 2, run.output());
    assert.match(updates[0]!, /^\[hotload\] updated (\.\/a\.mjs, \.\/b\.mjs|\.\/b\.mjs, \.\/a\.mjs) → \.\/boundary\.mjs in /);
    assert.equal(count(later, "boundary accepted"), 2, run.output());
    assert.equal(count(later, "mid evaluated"), 2, run.output());
  });

  test("modules that import each other update like any others", async () => {
    let since = run.mark();
    replaceIn(join(dir, "cycle-b.mjs"), "b = 1", "b = 2");
    await run.waitForLine(/^\[hotload\] updated \.\/cycle-b\.mjs → \.\/cycle-a\.mjs in /, 10_000, since);
    await run.waitForLine(END, 10_000, since);
    let later = run.lines.slice(since);
    assert.deepEqual(
      later.filter((line) => line.startsWith("cycle-")),
      ["cycle-b evaluated, b=2", "cycle-a evaluated, a=1 b=2"],
    );

    since = run.mark();
    replaceIn(join(dir, "cycle-a.mjs"), "a = 1", "a = 2");
    await run.waitForLine(/^\[hotload\] updated \.\/cycle-a\.mjs → \.\/cycle-a\.mjs in /, 10_000, since);
    await run.waitForLine(END, 10_000, since);
    later = run.lines.slice(since);
    assert.equal(count(later, "cycle-a evaluated, a=2 b=2"), 1, run.output());
    assert.equal(count(later, "app evaluated"), 0, run.output());
  });
});
