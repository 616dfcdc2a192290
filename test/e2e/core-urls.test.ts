/**
 * Versioned URLs (spec point 2): the first load keeps the plain URL, so code that inspects
 * import.meta behaves as without hotload; later versions load as `?hotload=N` but see their file's
 * URL all the same (issue 21).
 */
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("module URLs", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = realpathSync(copyFixture("core-urls"));
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("the first load keeps plain URLs, so import.meta.url, filename and the main-module check work as without hotload", () => {
    const app = join(dir, "app.mjs");
    const dep = join(dir, "dep.mjs");
    assert.ok(run.lines.includes(`app url=${pathToFileURL(app).href}`), run.output());
    assert.ok(run.lines.includes(`app filename=${app}`), run.output());
    assert.ok(run.lines.includes(`app dirname=${dir}`), run.output());
    assert.ok(run.lines.includes("app is main=true"), run.output());
    assert.ok(run.lines.includes(`dep v1 url=${pathToFileURL(dep).href}`), run.output());
    assert.ok(run.lines.includes(`dep v1 filename=${dep}`), run.output());
  });

  test("every later version (loaded as ?hotload=N) sees its file's URL and filename, and is not the main module", async () => {
    const dep = join(dir, "dep.mjs");
    for (const v of [2, 3]) {
      const since = run.mark();
      replaceIn(dep, `v = ${v - 1}`, `v = ${v}`);
      await run.waitForLine(`dep v${v} url=${pathToFileURL(dep).href}`, 10_000, since);
      await run.waitForLine(`dep v${v} filename=${dep}`, 10_000, since);
      await run.waitForLine(`dep v${v} main=false`, 10_000, since);
    }
    assert.ok(!run.output().includes("hotload="), run.output());
  });
});
