/**
 * CommonJS in a real program (issue 4), on fixtures/real-cjs:
 *   app.mjs ─import→ lib/index.js ─require→ lib/mid.js ─require→ lib/leaf.cjs   (lib is "type": "commonjs")
 *           ─createRequire→ config.cjs, located.cjs (accepted by app.mjs), plugin.cjs (accepts itself)
 *           ─import→ finder.mjs, which only resolves located.cjs (require.resolve, import.meta.resolve)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

describe("CommonJS modules", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("real-cjs");
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
    assert.ok(run.lines.includes("app sees index(mid(leaf v1)), port 1"), run.output());
  });

  test("a require() chain under an ES module import is part of the graph: saving its leaf re-requires each file once, and the ESM boundary gets the new exports", async () => {
    // Saved the moment "app ready" prints, while hotload may still be recording what the program
    // loaded (issue 10: Node 26 hands CommonJS over as text, and such a save was taken for what
    // was loaded, then never applied).
    const since = run.mark();
    replaceIn(join(dir, "lib/leaf.cjs"), "version = 1", "version = 2");
    await run.waitForLine("app accepted lib: index(mid(leaf v2))", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/lib\/leaf\.cjs → \.\/app\.mjs/, 10_000, since);
    const later = run.lines.slice(since);
    for (const line of ["leaf.cjs v2 evaluated", "mid.js evaluated", "index.js evaluated"]) {
      assert.equal(later.filter((l) => l === line).length, 1, `${line}\n${run.output()}`);
    }
    // Required from the leaf up: each module evaluates after what it requires.
    assert.ok(later.indexOf("leaf.cjs v2 evaluated") < later.indexOf("mid.js evaluated"), run.output());
    assert.ok(later.indexOf("mid.js evaluated") < later.indexOf("index.js evaluated"), run.output());
    assert.ok(!later.some((line) => line.startsWith("plugin.cjs") || line.startsWith("app sees")), run.output());
  });

  test("after an update, require.cache holds the new exports of every file in the chain, and require() returns them", async () => {
    const since = run.mark();
    replaceIn(join(dir, "lib/leaf.cjs"), "version = 2", "version = 3");
    await run.waitForLine("app accepted lib: index(mid(leaf v3))", 10_000, since);
    await run.waitForLine("require.cache fresh: true, require() sees index(mid(leaf v3))", 10_000, since);
  });

  test("a module loaded with createRequire() is hot: its ESM importer's accept callback gets the new exports", async () => {
    const since = run.mark();
    replaceIn(join(dir, "config.cjs"), "port = 1", "port = 8080");
    await run.waitForLine("app accepted config.cjs: port 8080, require() sees port 8080", 10_000, since);
  });

  test("a CommonJS module accepts itself with module.hot.accept(), and its dispose handler hands data to the new version", async () => {
    assert.ok(run.lines.includes("plugin.cjs v1 evaluated, started at v1"), run.output());
    const since = run.mark();
    replaceIn(join(dir, "plugin.cjs"), "version = 1", "version = 2");
    await run.waitForLine("plugin.cjs v2 evaluated, started at v1", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/plugin\.cjs → \.\/plugin\.cjs/, 10_000, since);
    const later = run.lines.slice(since);
    assert.ok(later.indexOf("plugin.cjs v1 disposed") < later.indexOf("plugin.cjs v2 evaluated, started at v1"), run.output());
    assert.ok(!later.some((line) => line.startsWith("app ")), run.output());
  });

  test("import.meta.resolve() only finds a file: the caller does not become its importer", async () => {
    assert.ok(run.lines.includes("finder found located.cjs: true"), run.output());
    const since = run.mark();
    replaceIn(join(dir, "located.cjs"), "found = 1", "found = 2");
    const line = await run.waitForLine(/^(app accepted located\.cjs|\[hotload\] cannot hot-update \.\/located\.cjs)/, 10_000, since);
    assert.equal(line, "app accepted located.cjs: found 2", run.output());
  });
});

test("an error thrown as a module is required: the stack's require() frames are named as under plain node", async () => {
  const dir = copyFixture("cjs-stack");
  const run = spawnHot(join(dir, "main.cjs"));
  assert.equal(await run.exited, 0, run.output());
  const names = (lines: readonly string[]): string[] =>
    lines.filter((line) => line.startsWith("frame ")).map((line) => /^frame at (\S+)/.exec(line)?.[1] ?? line);
  const plain = spawnCommand(process.execPath, [join(dir, "main.cjs")], { cwd: dir });
  assert.equal(await plain.exited, 0, plain.output());
  // hotload records require() edges from Module.prototype.require: one frame more, of the same name.
  assert.deepEqual([...new Set(names(run.lines))], [...new Set(names(plain.lines))], run.output());
});
