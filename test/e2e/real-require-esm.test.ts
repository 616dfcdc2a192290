/**
 * require() of an ES module (issue 10, item 3), on fixtures/require-esm: after a save of the .mjs,
 * require() returns the new version, never the instance Node's ES module loader cached first.
 */
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("require() of a saved ES module returns its new version, directly and through a CommonJS module that requires it", async () => {
  const dir = copyFixture("require-esm");
  const run = spawnHot(join(dir, "main.js"));
  await run.waitForLine("main ready");
  await run.waitForLine("main sees esm 1 and mid with deep deep 1");
  const steps = [
    ["esm.mjs", "esm 1", "esm 22", "esm 22 and mid with deep deep 1"],
    ["deep.mjs", "deep 1", "deep 333", "esm 22 and mid with deep deep 333"],
    ["esm.mjs", "esm 22", "esm 4444", "esm 4444 and mid with deep deep 333"],
  ] as const;
  for (const [file, from, to, sees] of steps) {
    const since = run.mark();
    replaceIn(join(dir, file), from, to);
    await run.waitForLine(`main accepted: require() sees ${sees}`, 10_000, since);
  }
});

test("a CommonJS module and the ES module it requires, saved the moment the program starts, both apply under a self-accepting ES module", async () => {
  const dir = copyFixture("require-esm");
  // No fixed settle time: the saves land while hotload still records what the program loaded (Node
  // hands a required ES module over as text, compared with the file then: issue 10, a save there
  // was taken for what was loaded), and they may come in one batch or two.
  const run = spawnHot(join(dir, "top.mjs"));
  await run.waitForLine("top sees mid with deep deep 1");
  // The CommonJS module and the ES module it requires change together: the new mid.js must require
  // the new deep.mjs, not the instance of deep.mjs it replaces.
  let since = run.mark();
  replaceIn(join(dir, "mid.js"), "mid with", "mid 2 with");
  replaceIn(join(dir, "deep.mjs"), "deep 1", "deep 22");
  await run.waitForLine("top sees mid 2 with deep deep 22", 10_000, since);
  // The ES module alone: mid.js is re-evaluated with it and requires its new version.
  since = run.mark();
  replaceIn(join(dir, "deep.mjs"), "deep 22", "deep 333");
  await run.waitForLine("top sees mid 2 with deep deep 333", 10_000, since);
});

test("the ES module a CommonJS module requires, saved as the CommonJS module's own update starts, applies after it", async () => {
  const dir = copyFixture("require-esm");
  // The debug log says when an update starts looking at its files.
  const run = spawnHot(join(dir, "top.mjs"), { env: { HOTLOAD_LOG: "debug" } });
  await run.waitForLine("top sees mid with deep deep 1");
  const since = run.mark();
  replaceIn(join(dir, "mid.js"), "mid with", "mid 2 with");
  await run.waitForLine("[hotload] looking at ./mid.js", 10_000, since);
  replaceIn(join(dir, "deep.mjs"), "deep 1", "deep 22");
  await run.waitForLine("top sees mid 2 with deep deep 22", 10_000, since);
});
