/**
 * A typeless .js file that switches between CommonJS and ES module syntax (issue 10, item 7), on
 * fixtures/typeless-switch: its new version must not wait for ever at the update's gate.
 */
import assert from "node:assert/strict";
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
