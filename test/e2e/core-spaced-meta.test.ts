/**
 * `import . meta.hot` and `import\n  .meta.hot` are valid JavaScript (issue 10, item 6), on
 * fixtures/spaced-meta: such modules get their API and accept their own updates.
 */
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a module that spells import.meta with whitespace or comments between its parts gets import.meta.hot", async () => {
  const dir = copyFixture("spaced-meta");
  const run = spawnHot(join(dir, "main.mjs"));
  await run.waitForLine("main ready");
  for (const name of ["spaced", "split", "commented"]) {
    const since = run.mark();
    replaceIn(join(dir, `${name}.mjs`), "version = 1", "version = 22");
    await run.waitForLine(`${name} v22 evaluated`, 10_000, since);
    await run.waitForLine(new RegExp(`^\\[hotload\\] updated \\./${name}\\.mjs → \\./${name}\\.mjs`), 10_000, since);
  }
});
