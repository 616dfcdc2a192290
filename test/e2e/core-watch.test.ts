/**
 * Change detection (spec point 8): however a file is saved, its final content is applied; a save
 * that changes no byte triggers nothing; and the watcher never keeps a process alive.
 */
import assert from "node:assert/strict";
import {
  closeSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  utimesSync,
  watch,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/** The content of dep.mjs at version `v` (each one a different length than the one before). */
const depAt = (v: number): string => `export const v = ${v};\nconsole.log(\`dep v\${v} evaluated\`);\n${"//\n".repeat(v)}`;

/**
 * Runs `change` on `file` and resolves once this process's own watcher has seen it: long enough
 * for the hot child's watcher to see it too, which no fixed sleep could promise.
 */
function changeSeen(file: string, change: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(file, () => {
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`no change seen on ${file} within 10 s`));
    }, 10_000);
    change();
  });
}

describe("change detection", () => {
  let dir = "";
  let dep = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("core-watch");
    dep = join(dir, "dep.mjs");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("an atomic save (a temporary file renamed over the original) is applied", async () => {
    const since = run.mark();
    writeFileSync(`${dep}.tmp`, depAt(2));
    renameSync(`${dep}.tmp`, dep);
    await run.waitForLine("app accepted dep v=2", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
  });

  test("deleting a file and creating it again applies the new content", async () => {
    const since = run.mark();
    unlinkSync(dep);
    writeFileSync(dep, depAt(3));
    await run.waitForLine("app accepted dep v=3", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
  });

  test("a touch, or a save of identical content, triggers nothing", async () => {
    const since = run.mark();
    const later = new Date(Date.now() + 60_000);
    utimesSync(dep, later, later);
    writeFileSync(dep, readFileSync(dep));
    // A later save of another file that must apply: a dep update would show before or with it.
    replaceIn(join(dir, "other.mjs"), "v = 1", "v = 2");
    await run.waitForLine("app accepted other v=2", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/other\.mjs/, 10_000, since);
    const lines = run.lines.slice(since);
    assert.ok(!lines.some((line) => line.startsWith("dep ") || line.startsWith("app accepted dep")), run.output());
    assert.ok(!lines.some((line) => line.startsWith("[hotload]") && line.includes("dep.mjs")), run.output());
  });

  test("a file written in two steps (truncated, then filled) ends with its final content applied", async () => {
    const since = run.mark();
    const fd = openSync(dep, "r+");
    try {
      await changeSeen(dep, () => ftruncateSync(fd, 0));
      writeSync(fd, depAt(4), 0);
    } finally {
      closeSync(fd);
    }
    await run.waitForLine("app accepted dep v=4", 10_000, since);
    // Nothing older comes after the final content: a later save applies, and v=4 is still the last.
    replaceIn(join(dir, "other.mjs"), "v = 2", "v = 3");
    await run.waitForLine("app accepted other v=3", 10_000, since);
    const accepted = run.lines.slice(since).filter((line) => line.startsWith("app accepted dep"));
    assert.equal(accepted.at(-1), "app accepted dep v=4", run.output());
  });
});
