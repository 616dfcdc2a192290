/**
 * Versioned URLs (spec point 2): the first load keeps the plain URL, so code that inspects
 * import.meta behaves as without hotload; later versions load as `?hotload=N`, N increasing.
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

  test("each later version loads as ?hotload=N with N increasing, and import.meta.filename stays the plain path", async () => {
    const dep = join(dir, "dep.mjs");
    const versionOf = async (v: number): Promise<number> => {
      const since = run.mark();
      replaceIn(dep, `v = ${v - 1}`, `v = ${v}`);
      const line = await run.waitForLine(`dep v${v} url=`, 10_000, since);
      const match = /\?hotload=(\d+)$/.exec(line);
      assert.ok(match, `dep v${v} should load under ?hotload=N: ${line}`);
      assert.equal(line, `dep v${v} url=${pathToFileURL(dep).href}?hotload=${match[1]}`);
      await run.waitForLine(`dep v${v} filename=${dep}`, 10_000, since);
      return Number(match[1]);
    };
    const second = await versionOf(2);
    const third = await versionOf(3);
    assert.ok(second >= 1, `first hot version is ${second}`);
    assert.ok(third > second, `versions must increase: ${second}, then ${third}`);
  });
});
