/**
 * CommonJS edges that Node resolves from its per-folder cache, without calling the resolve hook
 * (issue 10, items 1 and 2), on fixtures/cjs-edges.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

describe("CommonJS edges resolved from Node's cache", () => {
  test("two files of one folder require ./util: a save of util.js that only one of them accepts needs a restart, and nothing runs", async () => {
    const dir = copyFixture("cjs-edges");
    // In-place updates of entries with no hot code (issue 16) off: the case is "nothing accepts it".
    const run = spawnHot(join(dir, "shared.js"), { env: { HOTLOAD_IN_PLACE: "0" } });
    await run.waitForLine("shared ready");
    const since = run.mark();
    replaceIn(join(dir, "util.js"), "version = 1", "version = 22");
    const line = await run.waitForLine(/^\[hotload\] (updated|cannot hot-update)/, 10_000, since);
    assert.match(line, /cannot hot-update \.\/util\.js: nothing accepts it \(\.\/util\.js → \.\/b\.js → \.\/shared\.js\)/, run.output());
    assert.ok(!run.lines.slice(since).some((l) => l.startsWith("a sees util 22")), run.output());
  });

  test("the same with in-place updates on: the entry runs again and b.js sees the new util too", async () => {
    const dir = copyFixture("cjs-edges");
    const run = spawnHot(join(dir, "shared.js"));
    await run.waitForLine("shared ready");
    const since = run.mark();
    replaceIn(join(dir, "util.js"), "version = 1", "version = 22");
    await run.waitForLine("b sees util 22", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/util\.js/, 10_000, since);
  });

  /** Saves, in order, each `[file, from, to, line]` and waits for `line` after each. */
  async function saves(entry: string, ready: string, steps: readonly (readonly [string, string, string, string])[]): Promise<void> {
    const dir = copyFixture("cjs-edges");
    const run = spawnHot(join(dir, entry));
    await run.waitForLine(ready);
    for (const [file, from, to, line] of steps) {
      const since = run.mark();
      replaceIn(join(dir, file), from, to);
      await run.waitForLine(line, 10_000, since);
    }
    assert.ok(!run.lines.some((l) => /prune|cannot hot-update/.test(l)), run.output());
  }

  test("the CommonJS pattern of docs/typescript-and-formats.md: after a save of routes.js, util.js is still watched and its saves apply", () =>
    saves("server.js", "server ready", [
      ["routes.js", "routes v1", "routes v22", "server sees routes v22 with util 1"],
      ["util.js", "version = 1", "version = 333", "server sees routes v22 with util 333"],
      ["util.js", "version = 333", "version = 4444", "server sees routes v22 with util 4444"],
    ]));

  test("an ES module accepting a CommonJS module that requires another: helper, config, helper again all apply", () =>
    saves("main.mjs", "main ready", [
      ["helper.cjs", "version = 1", "version = 22", "main sees config v1 with helper 22"],
      ["config.cjs", "config v1", "config v333", "main sees config v333 with helper 22"],
      ["helper.cjs", "version = 22", "version = 4444", "main sees config v333 with helper 4444"],
    ]));
});
