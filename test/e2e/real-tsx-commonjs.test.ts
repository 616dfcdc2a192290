/**
 * tsx compiling .ts to CommonJS (issue 10, item 4), on fixtures/tsx-cjs (no "type": "module"):
 * tsx's require() extension reads the files itself, without Node's load hook.
 */
import assert from "node:assert/strict";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, replaceIn, ROOT, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("node --import tsx --import hotload app.ts: saves of an imported .ts file compiled to CommonJS apply", async () => {
  const dir = copyFixture("tsx-cjs");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("app ready");
  for (const [from, to] of [
    ["dep v1", "dep v22"],
    ["dep v22", "dep v333"],
  ] as const) {
    const since = run.mark();
    replaceIn(join(dir, "dep.ts"), from, to);
    await run.waitForLine(`app accepted ${to}, require() sees ${to}`, 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.ts → \.\/app\.ts/, 10_000, since);
  }
});

test("a .ts file that tsx compiles to CommonJS but that is written for import.meta.hot is reported once, with what to do", async () => {
  const dir = copyFixture("tsx-cjs-meta");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("app ready");
  const told =
    /^\[hotload\] \.\/app\.ts runs as CommonJS \(another loader compiled it so\), where import\.meta\.hot does not exist: .*Use module\.hot there, or make it an ES module \("type": "module" in its package\.json\)$/;
  await run.waitForLine(told, 10_000);
  const since = run.mark();
  replaceIn(join(dir, "dep.ts"), "dep v1", "dep v22");
  await run.waitForLine("app sees dep v22", 10_000, since);
  assert.equal(run.lines.filter((line) => told.test(line)).length, 1, run.output());
  assert.ok(!run.lines.includes("app accepted"), run.output());
  // dep.ts uses no import.meta: nothing is said of it.
  assert.ok(!run.lines.some((line) => line.includes("dep.ts runs as CommonJS")), run.output());
});

test("a syntax error in a .ts file tsx compiles to CommonJS is reported at its line and column, with a code frame, and the next good save applies", async () => {
  const dir = copyFixture("tsx-cjs");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("app ready");
  let since = run.mark();
  const broken = 'export const value: string = "dep v22" +;\n';
  edit(join(dir, "dep.ts"), broken);
  const line = await run.waitForLine(/dep\.ts:\d+:\d+ SyntaxError: /, 10_000, since);
  // tsx rethrows esbuild's error with its location only in the message text (0-based column there).
  assert.match(line, new RegExp(`dep\\.ts:1:${broken.indexOf(";") + 1} SyntaxError: Unexpected ";" — `), run.output());
  await run.waitForLine(/^ {2}> 1 \| export const value: string = "dep v22" \+;$/, 10_000, since);
  since = run.mark();
  edit(join(dir, "dep.ts"), 'export const value: string = "dep v333 fixed";\n');
  await run.waitForLine("app accepted dep v333 fixed, require() sees dep v333 fixed", 10_000, since);
});

test("an error a .ts file tsx compiles to CommonJS throws as it runs is reported at its line and column, with a code frame of the file as saved", async () => {
  const dir = copyFixture("tsx-cjs");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("app ready");
  let since = run.mark();
  edit(join(dir, "dep.ts"), 'const n: number = 22;\nthrow new Error(`dep v${n} broke`);\nexport const value: string = "dep v22";\n');
  const line = await run.waitForLine(/dep\.ts\S* Error: dep v22 broke/, 10_000, since);
  assert.match(line, /^\[hotload\] \S*\/dep\.ts:2:7 Error: dep v22 broke — rolled back to the previous version$/, run.output());
  await run.waitForLine(/^ {2}> 2 \| throw new Error\(`dep v\$\{n\} broke`\);$/, 10_000, since);
  since = run.mark();
  edit(join(dir, "dep.ts"), 'export const value: string = "dep v333 fixed";\n');
  await run.waitForLine("app accepted dep v333 fixed, require() sees dep v333 fixed", 10_000, since);
});

test("a syntax error in a .ts file tsx compiles to CommonJS, under an entry with no hot code, is found before the old version stops: its interval and SIGTERM handler stay, the fix applies in place", async () => {
  const dir = copyFixture("tsx-cjs-entry");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("ready app sees dep v1");
  let since = run.mark();
  edit(join(dir, "dep.ts"), 'export const value: strin g = "dep v22";\n');
  const reported = await run.waitForLine(/dep\.ts:\d+:\d+ SyntaxError: /, 10_000, since);
  assert.match(reported, /dep\.ts:1:\d+ SyntaxError: .* — keeping the previous version$/, run.output());
  // The old version's interval still runs after the report.
  await run.waitForLine("tick app sees dep v1", 10_000, run.lines.indexOf(reported, since) + 1);
  assert.ok(!run.lines.slice(since).some((line) => line.includes("failed after")), run.output());
  since = run.mark();
  edit(join(dir, "dep.ts"), 'export const value: string = "dep v333 fixed";\n');
  await run.waitForLine("tick app sees dep v333 fixed", 10_000, since);
  await run.waitForLine(/^\[hotload\] updated \.\/dep\.ts → \.\/app\.ts/, 10_000, since);
  since = run.mark();
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
  assert.ok(run.lines.slice(since).includes("sigterm app sees dep v333 fixed"), run.output());
});

test("a syntax error in a plain .js file that tsx compiles to CommonJS is found before the old version stops: one line at its line and column, its interval and SIGTERM handler stay, the fix applies in place once", async () => {
  const dir = copyFixture("tsx-cjs-js");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "server.js"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("ready r1");
  let since = run.mark();
  replaceIn(join(dir, "routes.js"), 'String("r1")', 'String("r1"');
  // tsx's .js entry hands what looks like an ES module to esbuild: its error, as tsx would throw it.
  const reported = await run.waitForLine(/routes\.js:\d+:\d+ SyntaxError: /, 10_000, since);
  assert.match(reported, /\/routes\.js:2:21 SyntaxError: Expected "\)" but found ";" — keeping the previous version$/, run.output());
  await run.waitForLine('  > 2 |   return String("r1";', 10_000, since);
  // The old version's interval still runs after the report.
  await run.waitForLine("tick r1", 10_000, run.lines.indexOf(reported, since) + 1);
  assert.equal(run.lines.slice(since).filter((line) => line.startsWith("[hotload]")).length, 1, run.output());
  since = run.mark();
  replaceIn(join(dir, "routes.js"), 'String("r1"', 'String("r2!")');
  await run.waitForLine("tick r2!", 10_000, since);
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.js → \.\/server\.js/, 10_000, since);
  since = run.mark();
  const exited = run.kill("SIGTERM");
  await run.waitForLine("sigterm r2!", 10_000, since);
  assert.equal(await exited, 0, run.output());
  assert.equal(run.lines.filter((line) => line.startsWith("ready")).length, 2, run.output());
  assert.equal(run.lines.filter((line) => line.startsWith("[hotload] updated")).length, 1, run.output());
  assert.equal(run.lines.filter((line) => line.startsWith("sigterm")).length, 1, run.output());
});

test("a leading require() of a missing file in a plain .js file that tsx compiles to CommonJS is found before the old version stops; creating the file applies the update", async () => {
  const dir = copyFixture("tsx-cjs-js");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "server.js"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("ready r1");
  let since = run.mark();
  replaceIn(join(dir, "routes.js"), "exports.hello", 'const extra = require("./extra.js");\nexports.hello');
  const missing = await run.waitForLine(/routes\.js:\d+:\d+ Error: /, 10_000, since);
  assert.match(missing, /\/routes\.js:1:23 Error: Cannot find module '\.\/extra\.js' — keeping the previous version$/, run.output());
  await run.waitForLine("tick r1", 10_000, run.lines.indexOf(missing, since) + 1);
  assert.ok(!run.lines.slice(since).some((line) => line.includes("failed after")), run.output());
  since = run.mark();
  writeFileSync(join(dir, "extra.js"), 'module.exports = "e";\n');
  await run.waitForLine(/^\[hotload\] updated \.\/routes\.js → \.\/server\.js/, 10_000, since);
  await run.waitForLine("tick r1", 10_000, since);
});
