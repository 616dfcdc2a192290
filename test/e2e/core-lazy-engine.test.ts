/**
 * hotload's engine loads after start-up (loader/lazy-engine.ts): until then the start-up hooks
 * record the loads and give hot modules contexts that keep what they register. Nothing of that
 * may show: a save made before the engine loaded is applied, what modules registered before it
 * loaded works, and an engine that cannot load is reported in one line while the program runs on.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

/** The repository root: this file runs as dist/test/e2e/core-lazy-engine.test.js. */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const packages: string[] = [];
after(async () => {
  await cleanup();
  for (const dir of packages) rmSync(dir, { recursive: true, force: true });
});

describe("the engine loaded after start-up", () => {
  test("a save made before the engine loaded is applied, and the accept, hot.data and dispose registered before it loaded work", async () => {
    const dir = copyFixture("core-lazy-engine");
    const run = spawnHot(join(dir, "main.mjs"));
    try {
      // The entry is still evaluating: the engine cannot have loaded.
      await run.waitForLine("main waiting");
      assert.ok(run.lines.includes("dep run 1"), run.output());
      const since = run.mark();
      edit(join(dir, "dep.mjs"), (old) => old.replace('"dep v1"', '"dep v2, saved before the engine loaded"'));
      writeFileSync(join(dir, "go"), "");
      await run.waitForLine("main sees dep v2, saved before the engine loaded", 10_000, since);
      assert.ok(run.lines.includes("dep run 2"), run.output());
      await run.waitForLine(/^\[hotload\] updated \.\/dep\.mjs/, 10_000, since);
    } finally {
      run.child.kill();
      await run.exited;
    }
  });

  test("an engine that cannot load is reported in one line; the program runs on as under plain node", async () => {
    const pkg = mkdtempSync(join(tmpdir(), "hotload-lazy-engine-pkg-"));
    packages.push(pkg);
    cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
    for (const part of ["loader", "src"])
      cpSync(join(ROOT, "dist", part), join(pkg, "dist", part), {
        recursive: true,
        // A damaged install: the engine's bundle is gone (its ES module and its script build).
        filter: (from) => !/[\\/]loader[\\/]engine\.(?:c?js)$/.test(from),
      });
    symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
    const dir = copyFixture("core-lazy-engine");
    rmSync(join(dir, "node_modules", "hotload"));
    symlinkSync(pkg, join(dir, "node_modules", "hotload"), "dir");
    writeFileSync(join(dir, "go"), "");
    const run = spawnHot(join(dir, "main.mjs"));
    try {
      await run.waitForLine(/^\[hotload\] could not load its engine, no update will be applied in this process: .*engine\.js/);
      assert.ok(run.lines.includes("main ready") && run.lines.includes("main sees dep v1"), run.output());
      assert.equal(run.lines.filter((line) => line.startsWith("[hotload]")).length, 1, run.output());
      assert.equal(run.child.exitCode, null, run.output());
    } finally {
      run.child.kill();
      await run.exited;
    }
  });
});
