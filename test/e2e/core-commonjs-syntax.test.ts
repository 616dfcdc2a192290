/**
 * A broken CommonJS, JSON or .cts file never stops the working version (issue 21, case 10): its
 * syntax error, or a leading require() of a missing or broken new file, is found before anything
 * is disposed, reported once at its own line and column, the old version keeps running (its
 * interval, its SIGTERM handler), and the fix applies in place.
 * fixtures/core-commonjs-syntax: an `npm init -y` app, server.js requiring routes.js (typeless),
 * lib.cjs, data.json, typed.cts (Node's type stripping) and util.mjs (require of an ES module),
 * with no hot code.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCli, spawnHot } from "../helpers/e2e.js";

after(cleanup);

/** A file broken by one edit, what hotload says of it, and the fix. */
interface Typo {
  readonly file: string;
  readonly good: string;
  readonly broken: string;
  readonly fixed: string;
  readonly reported: RegExp;
  readonly frame: string;
}

const TYPOS: readonly Typo[] = [
  {
    file: "routes.js",
    good: 'String("r1")',
    broken: 'String("r1"',
    fixed: 'String("r2!")',
    reported: /\/routes\.js:2:17 SyntaxError: missing \) after argument list — keeping the previous version$/,
    frame: '> 2 |   return String("r1";',
  },
  {
    // A file that ends too early: V8 names no column, and it is said once, at the file's end.
    file: "lib.cjs",
    good: '{ name: "l1" };',
    broken: '{ name: "l1" } +',
    fixed: '{ name: "l2!" };',
    reported: /\/lib\.cjs:2:1 SyntaxError: Unexpected end of input — keeping the previous version$/,
    frame: "> 2 | ",
  },
  {
    file: "data.json",
    good: '"name": "d1"',
    broken: '"name": "d1",',
    fixed: '"name": "d2!"',
    reported: /\/data\.json:3:1 SyntaxError: .* — keeping the previous version$/,
    frame: "> 3 | }",
  },
  {
    file: "util.mjs",
    good: '= "u1";',
    broken: '= ("u1";',
    fixed: '= "u2!";',
    reported: /\/util\.mjs:1:\d+ SyntaxError: .* — keeping the previous version$/,
    frame: '> 1 | export const name = ("u1";',
  },
  {
    file: "typed.cts",
    good: '= "t1";',
    broken: '= ("t1";',
    fixed: '= "t2!";',
    reported: /\/typed\.cts:1:\d+ SyntaxError.* — keeping the previous version$/,
    frame: '> 1 | const name: string = ("t1";',
  },
];

describe("a broken edit of a CommonJS module", () => {
  test("is reported once at its own line, leaves the old version running and its SIGTERM handler in place; the fix applies in place", async () => {
    const dir = copyFixture("core-commonjs-syntax");
    const run = spawnHot(join(dir, "server.js"));
    let shown = "r1 l1 d1 t1 u1";
    await run.waitForLine(`ready ${shown}`);
    for (const typo of TYPOS) {
      const since = run.mark();
      replaceIn(join(dir, typo.file), typo.good, typo.broken);
      await run.waitForLine(typo.reported, 10_000, since);
      // Reported, and the old version's interval still runs after it.
      const reported = run.lines.findIndex((line, i) => i >= since && typo.reported.test(line));
      await run.waitForLine(`tick ${shown}`, 10_000, reported + 1);
      const said = run.lines.slice(since).filter((line) => line.startsWith("[hotload]"));
      assert.equal(said.length, 1, `${typo.file}: one line, and no restart advice\n${run.output()}`);
      assert.ok(run.lines.slice(since).includes(`  ${typo.frame}`), `${typo.file}: code frame\n${run.output()}`);
      const fixing = run.mark();
      replaceIn(join(dir, typo.file), typo.broken, typo.fixed);
      shown = shown.replace(`${typo.file[0]}1`, `${typo.file[0]}2!`);
      await run.waitForLine(`tick ${shown}`, 10_000, fixing);
      await run.waitForLine(new RegExp(`^\\[hotload\\] updated \\./${typo.file.replace(".", "\\.")} → \\./server\\.js`), 10_000, fixing);
      assert.ok(!run.lines.slice(since).some((line) => line.includes("failed after")), run.output());
    }
    // A leading require() of a file that is missing, then of a new file that does not parse:
    // found before anything is disposed, as an ES import's would be by linking; the old version
    // runs until the file it waits for is there (or fixed), then the update applies.
    const steps: readonly { readonly act: () => void; readonly reported: RegExp }[] = [
      {
        act: () => replaceIn(join(dir, "routes.js"), "exports.hello", 'const extra = require("./extra.js");\nexports.hello'),
        reported: /\/routes\.js:1:23 Error: Cannot find module '\.\/extra\.js' — keeping the previous version$/,
      },
      {
        act: () => writeFileSync(join(dir, "extra.js"), 'module.exports = "e";'),
        reported: /^\[hotload\] updated \.\/routes\.js → \.\/server\.js/,
      },
      {
        act: () => (writeFileSync(join(dir, "other.json"), "{,}"), replaceIn(join(dir, "routes.js"), "./extra.js", "./other.json")),
        reported: /\/other\.json:1:2 SyntaxError: .* — keeping the previous version \(also held back: .*routes\.js\)$/,
      },
      {
        act: () => writeFileSync(join(dir, "other.json"), '{ "fixed": true }'),
        reported: /^\[hotload\] updated \.\/routes\.js → \.\/server\.js/,
      },
    ];
    for (const { act, reported } of steps) {
      const since = run.mark();
      act();
      await run.waitForLine(reported, 10_000, since);
      await run.waitForLine(`tick ${shown}`, 10_000, run.lines.findIndex((line, i) => i >= since && reported.test(line)) + 1);
      const said = run.lines.slice(since).filter((line) => line.startsWith("[hotload]"));
      assert.equal(said.length, 1, `one line, and no restart advice\n${run.output()}`);
    }
    const since = run.mark();
    const exited = run.kill("SIGTERM");
    await run.waitForLine(`sigterm ${shown}`, 10_000, since);
    assert.equal(await exited, 0, run.output());
    assert.equal(run.lines.filter((line) => line.startsWith("sigterm")).length, 1, run.output());
  });
  test("under the command, a typo does not restart: one message, and the fix applies in place once", async () => {
    const dir = copyFixture("core-commonjs-syntax");
    const run = spawnCli(["server.js"], { cwd: dir });
    await run.waitForLine("ready r1 l1 d1 t1 u1");
    const since = run.mark();
    replaceIn(join(dir, "routes.js"), 'String("r1")', 'String("r1"');
    const reported = /\/routes\.js:2:17 SyntaxError: missing \) after argument list — keeping the previous version$/;
    await run.waitForLine(reported, 10_000, since);
    await run.waitForLine("tick r1 l1 d1 t1 u1", 10_000, run.lines.findIndex((line, i) => i >= since && reported.test(line)) + 1);
    replaceIn(join(dir, "routes.js"), 'String("r1"', 'String("r2!")');
    await run.waitForLine(/^\[hotload\] updated \.\/routes\.js → \.\/server\.js/, 10_000, since);
    await run.waitForLine("tick r2! l1 d1 t1 u1", 10_000, since);
    const later = run.lines.slice(since);
    assert.deepEqual(later.filter((line) => line.startsWith("[hotload]") && !line.startsWith("[hotload] updated")).length, 1, run.output());
    assert.deepEqual(
      later.filter((line) => line.startsWith("ready")),
      ["ready r2! l1 d1 t1 u1"],
      run.output(),
    );
    assert.ok(!later.some((line) => /restart|^\s+at /.test(line)), run.output());
  });
  test("after an update that threw once its old version was disposed, saving back the content that ran applies it again", async () => {
    const dir = copyFixture("core-commonjs-stopped");
    const run = spawnHot(join(dir, "app.js"));
    await run.waitForLine("app ready");
    await run.waitForLine("tick k1");
    const broken = run.mark();
    replaceIn(join(dir, "ticker.js"), 'const name = "k1";', 'const name = "k1"; throw new Error("boom");');
    await run.waitForLine(/ticker\.js:1:\d+ Error: boom — rolled back to the previous version$/, 10_000, broken);
    const reverted = run.mark();
    replaceIn(join(dir, "ticker.js"), 'const name = "k1"; throw new Error("boom");', 'const name = "k1";');
    await run.waitForLine(/^\[hotload\] updated \.\/ticker\.js → \.\/app\.js/, 10_000, reverted);
    await run.waitForLine("tick k1", 10_000, reverted);
  });
});
