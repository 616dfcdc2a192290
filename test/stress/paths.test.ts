/**
 * Hardening (issue 6): the same file reached through a symlink, or through another spelling of its
 * path, is one module: evaluated once, listed once, watched once, and one save is one update.
 * fixtures/stress-app imports dep.mjs as ./dep.mjs, ./link.mjs (a symlink to it),
 * ./sub/../dep.mjs and ./%64ep.mjs; the app itself is started through a symlink to its folder.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, type Running } from "../helpers/e2e.js";
import { ask, count, printedUpdates, startApp, versioned } from "./harness.js";

const links: string[] = [];
after(async () => {
  await cleanup();
  for (const link of links) rmSync(link, { force: true });
});

const SPECS = ["./dep.mjs", "./link.mjs", "./sub/../dep.mjs", "./%64ep.mjs"];

interface GraphModule {
  file: string;
  importers: string[];
}

describe("one file, several paths", () => {
  let dir = "";
  let via = "";
  let run: Running;

  before(async () => {
    ({ dir, run } = await startApp({ "dep.mjs": versioned("dep", 1) }, SPECS, {
      setup: (copy) => {
        mkdirSync(join(copy, "sub"));
        symlinkSync("dep.mjs", join(copy, "link.mjs"));
        via = `${copy}-via-link`;
        symlinkSync(copy, via, "dir");
        links.push(via);
        return via;
      },
    }));
  });

  test("the module is evaluated once and listed once in graph(), under its real path", async () => {
    assert.equal(count(run, "dep v1 evaluated"), 1, run.output());
    for (const spec of SPECS) assert.ok(run.lines.includes(`loaded ${spec} v=1`), run.output());
    const { modules } = await ask<{ modules: GraphModule[] }>(run, "graph");
    const files = modules.map((m) => m.file).sort();
    assert.deepEqual(files, [join(dir, "app.mjs"), join(dir, "dep.mjs")]);
  });

  test("a save through the symlink, then one through the real path: one update each, one evaluation each", async () => {
    const since = run.mark();
    writeFileSync(join(via, "link.mjs"), versioned("dep", 2));
    await run.waitForLine("dep v2 evaluated", 10_000, since);
    writeFileSync(join(dir, "dep.mjs"), versioned("dep", 3));
    await run.waitForLine("dep v3 evaluated", 10_000, since);
    // update() settles after any update the saves could still cause.
    assert.equal((await ask<{ status: string }>(run, "sync", ["./dep.mjs", "./link.mjs", "./%64ep.mjs"])).status, "unchanged");

    const updates = printedUpdates(run, since).filter((u) => u.status !== "unchanged");
    assert.deepEqual(
      updates.map((u) => [u.status, u.files]),
      [
        ["updated", [join(dir, "dep.mjs")]],
        ["updated", [join(dir, "dep.mjs")]],
      ],
      run.output(),
    );
    assert.equal(count(run, "dep v2 evaluated", since), 1, run.output());
    assert.equal(count(run, "dep v3 evaluated", since), 1, run.output());
    assert.equal(run.lines.slice(since).filter((l) => l.startsWith("[hotload] updated")).length, 2, run.output());
    for (const spec of SPECS) assert.ok(run.lines.slice(since).includes(`accepted ${spec} v=3`), `${spec} not accepted:\n${run.output()}`);
  });
});
