/**
 * A typeless .js file that switches between CommonJS and ES module syntax (issue 10, item 7), on
 * fixtures/typeless-switch: its new version must not wait for ever at the update's gate.
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a typeless .js file switching from CommonJS to ES module syntax and back applies every time", async () => {
  const dir = copyFixture("typeless-switch");
  const run = spawnHot(join(dir, "main.mjs"));
  await run.waitForLine("main ready");
  assert.ok(run.lines.includes("main sees cjs 1"), run.output());
  const saves = [
    'export default { version: "esm 2" };',
    'module.exports = { version: "cjs 33" };',
    'export default { version: "esm 444" };',
    'module.exports = { version: "cjs 5555" };',
  ];
  for (const text of saves) {
    const since = run.mark();
    edit(join(dir, "dep.js"), `${text}\n`);
    const version = /"(.*)"/.exec(text)![1]!;
    await run.waitForLine(`main accepted ${version}`, 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.js → \.\/main\.mjs/, 10_000, since);
  }
});

test("a typeless .js file switched to ES module syntax in an update that failed on another file applies once that file is back", async () => {
  const dir = copyFixture("typeless-switch");
  // A self-accepting importer of a second file, which goes missing, and of dep.js: the failed
  // update stops at the missing file, before it loads dep.js's new version.
  writeFileSync(join(dir, "other.cjs"), 'module.exports = "other 1";\n');
  writeFileSync(
    join(dir, "box.mjs"),
    'import other from "./other.cjs";\nimport dep from "./dep.js";\nconsole.log(`box runs ${dep.version} with ${other}`);\nimport.meta.hot.accept();\nsetInterval(() => {}, 1 << 30);\n',
  );
  const run = spawnHot(join(dir, "box.mjs"));
  await run.waitForLine("box runs cjs 1 with other 1");
  let since = run.mark();
  rmSync(join(dir, "other.cjs"));
  edit(join(dir, "dep.js"), 'export default { version: "esm 2" };\n');
  await run.waitForLine(/Cannot find module '\.\/other\.cjs'/, 10_000, since);
  since = run.mark();
  writeFileSync(join(dir, "other.cjs"), 'module.exports = "other 22";\n');
  // The switch went down with the failed update: it is not broken, and applies with the repair.
  await run.waitForLine("box runs esm 2 with other 22", 10_000, since);
  assert.ok(!run.lines.some((line) => line.includes("sourceType: module")), run.output());
});
