/**
 * An ES module that imports a CommonJS module which require()s an ES module (fixtures/cjs-requires-esm),
 * the shape in which the torture suite lost edits (seed 713596642): what the CommonJS module
 * requires must stay in the graph, and a require() must never run an old instance of the ES module.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
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

test("an ES module that CommonJS code requires for the first time after an update of it runs its new version", async () => {
  const dir = copyFixture("cjs-requires-esm");
  // kf.mjs is imported by top.mjs only: its update leaves nothing of it in require.cache.
  writeFileSync(
    join(dir, "top.mjs"),
    `import ke from "./ke.cjs";\nimport { value } from "./kf.mjs";\nconsole.log(\`top sees \${ke.line} and \${value}\`);\nimport.meta.hot.accept();\nsetInterval(() => {}, 1 << 30);\n`,
  );
  writeFileSync(join(dir, "ke.cjs"), `exports.line = "ke 1";\n`);
  const run = spawnHot(join(dir, "top.mjs"));
  await run.waitForLine("top sees ke 1 and kf 1");
  let since = run.mark();
  edit(join(dir, "kf.mjs"), `export const value = "kf 22";\n`);
  await run.waitForLine("top sees ke 1 and kf 22", 10_000, since);
  // Node's require() would hand back the instance of kf.mjs it loaded at start-up.
  since = run.mark();
  edit(join(dir, "ke.cjs"), `const kf = require("./kf.mjs");\nexports.line = \`ke 333 with \${kf.value}\`;\n`);
  await run.waitForLine("top sees ke 333 with kf 22 and kf 22", 10_000, since);
});

test("an ES module that CommonJS code requires inside a function is required again after each update of its requirer, with no update of its own until it is saved", async () => {
  const dir = copyFixture("cjs-requires-esm");
  writeFileSync(
    join(dir, "top.mjs"),
    `import ke from "./ke.cjs";\nconst timer = setInterval(() => console.log(\`tick \${ke.line()}\`), 50);\nimport.meta.hot.dispose(() => clearInterval(timer));\nimport.meta.hot.accept();\n`,
  );
  writeFileSync(join(dir, "ke.cjs"), `exports.line = () => \`ke 1 with \${require("./kf.mjs").value}\`;\n`);
  const run = spawnHot(join(dir, "top.mjs"));
  await run.waitForLine("tick ke 1 with kf 1");
  // The update of ke.cjs prunes kf.mjs (nothing requires it as the new version runs).
  let since = run.mark();
  edit(join(dir, "ke.cjs"), `exports.line = () => \`ke 22 with \${require("./kf.mjs").value}\`;\n`);
  await run.waitForLine("tick ke 22 with kf 1", 10_000, since);
  // Required again at every tick: a few ticks, and not one update in between.
  for (let i = 0; i < 5; i++) await run.waitForLine("tick ke 22 with kf 1", 10_000, run.mark());
  const updates = run.lines.slice(since).filter((line) => line.includes("updated"));
  assert.deepEqual(
    updates.map((line) => line.replace(/ in [\d.]+ ms$/, "")),
    ["[hotload] updated ./ke.cjs → ./top.mjs"],
  );
  // And its save applies.
  since = run.mark();
  edit(join(dir, "kf.mjs"), `export const value = "kf 333";\n`);
  await run.waitForLine("tick ke 22 with kf 333", 10_000, since);
});
