/**
 * An ES module that imports a CommonJS module which require()s an ES module (fixtures/cjs-requires-esm),
 * the shape in which the torture suite lost edits (seed 713596642): what the CommonJS module
 * requires must stay in the graph, and a require() must never run an old instance of the ES module.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a CommonJS module saved again while its update loads it runs what the update read, and keeps what it requires", async () => {
  const dir = copyFixture("cjs-requires-esm");
  const run = spawnHot(join(dir, "top.mjs"));
  await run.waitForLine("top sees ke 1 with kf 1");
  // The ES module first, so that require.cache holds a version of it that hotload made.
  let since = run.mark();
  edit(join(dir, "kf.mjs"), `export const value = "kf 22";\n`);
  await run.waitForLine("top sees ke 1 with kf 22", 10_000, since);
  // This version's dispose handler runs as the next update of ke.cjs starts loading: it does what an
  // editor saving the file again does at that moment (truncate, then write the same text), so that
  // Node reads an empty file where the update read the whole one.
  since = run.mark();
  edit(
    join(dir, "ke.cjs"),
    [
      `const { readFileSync, writeFileSync } = require("node:fs");`,
      `const kf = require("./kf.mjs");`,
      `exports.line = \`ke 2 with \${kf.value}\`;`,
      `module.hot.dispose(() => {`,
      `  const text = readFileSync(__filename);`,
      `  writeFileSync(__filename, "");`,
      `  setImmediate(() => writeFileSync(__filename, text));`,
      `});`,
      ``,
    ].join("\n"),
  );
  await run.waitForLine("top sees ke 2 with kf 22", 10_000, since);
  since = run.mark();
  edit(join(dir, "ke.cjs"), `const kf = require("./kf.mjs");\nexports.line = \`ke 333 with \${kf.value}\`;\n`);
  // Not "top sees undefined": the empty file Node read is not what runs.
  assert.equal(await run.waitForLine(/^top sees /, 10_000, since), "top sees ke 333 with kf 22");
  // kf.mjs is still required by the new ke.cjs, so still watched: its next save applies.
  since = run.mark();
  edit(join(dir, "kf.mjs"), `export const value = "kf 4444";\n`);
  await run.waitForLine("top sees ke 333 with kf 4444", 10_000, since);
});

test("an ES module that CommonJS code requires again after it was pruned runs the file as it is now", async () => {
  const dir = copyFixture("cjs-requires-esm");
  const run = spawnHot(join(dir, "top.mjs"));
  await run.waitForLine("top sees ke 1 with kf 1");
  // ke.cjs stops requiring kf.mjs: kf.mjs is pruned, and no longer watched.
  let since = run.mark();
  edit(join(dir, "ke.cjs"), `exports.line = "ke 2 alone";\n`);
  await run.waitForLine("top sees ke 2 alone", 10_000, since);
  await run.waitForLine(/updated \.\/ke\.cjs/, 10_000, since);
  // Saved while pruned: nothing runs it yet.
  edit(join(dir, "kf.mjs"), `export const value = "kf 22";\n`);
  // Required again: Node's require() would hand back the instance of kf.mjs it loaded at start-up.
  since = run.mark();
  edit(join(dir, "ke.cjs"), `const kf = require("./kf.mjs");\nexports.line = \`ke 333 with \${kf.value}\`;\n`);
  await run.waitForLine("top sees ke 333 with kf 22", 10_000, since);
  // And it is in the graph again: its next save applies.
  since = run.mark();
  edit(join(dir, "kf.mjs"), `export const value = "kf 4444";\n`);
  await run.waitForLine("top sees ke 333 with kf 4444", 10_000, since);
});
