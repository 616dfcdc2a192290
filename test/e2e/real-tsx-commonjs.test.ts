/**
 * tsx compiling .ts to CommonJS (issue 10, item 4), on fixtures/tsx-cjs (no "type": "module"):
 * tsx's require() extension reads the files itself, without Node's load hook.
 */
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, ROOT, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("node --import tsx --import hotload app.ts: saves of an imported .ts file compiled to CommonJS apply", async () => {
  const dir = copyFixture("tsx-cjs");
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  const run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--import", "tsx"] });
  await run.waitForLine("app ready");
  for (const [from, to] of [["dep v1", "dep v22"], ["dep v22", "dep v333"]] as const) {
    const since = run.mark();
    replaceIn(join(dir, "dep.ts"), from, to);
    await run.waitForLine(`app accepted ${to}, require() sees ${to}`, 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/dep\.ts → \.\/app\.ts/, 10_000, since);
  }
});
