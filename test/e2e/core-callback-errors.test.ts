/**
 * Throwing user callbacks (spec point 7): reported with the module's path, the update reported
 * failed (fixtures/core-callback-errors prints every UpdateResult from hotload/api), and later
 * updates still work.
 */
import { realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/**
 * The line app.mjs prints for a failed update of `file`. Other files may be listed with it (which
 * files an update lists is pinned in core-api.test.ts).
 */
const failed = (file: string): RegExp => new RegExp(`^update failed: (.*, )?${file.replace(/\./g, "\\.")}(,|$)`);

describe("throwing callbacks", () => {
  let dir = "";
  let run: Running;
  let fine = 1;

  /** Saves fine.mjs, which app.mjs accepts: proof that updates still work. */
  const laterUpdateApplies = async (): Promise<void> => {
    const since = run.mark();
    replaceIn(join(dir, "fine.mjs"), `v = ${fine}`, `v = ${fine + 1}`);
    fine++;
    await run.waitForLine(`app accepted fine v=${fine}`, 10_000, since);
    await run.waitForLine(/^update updated: (.*, )?fine\.mjs/, 10_000, since);
  };

  before(async () => {
    dir = realpathSync(copyFixture("core-callback-errors"));
    run = spawnHot(join(dir, "app.mjs"));
    await run.waitForLine("app ready");
  });

  test("a throwing accept handler is reported with the accepting module's path and fails the update; later updates work", async () => {
    const since = run.mark();
    replaceIn(join(dir, "accept-throws.mjs"), "v = 1", "v = 2");
    await run.waitForLine(`[hotload] accept handler of ${join(dir, "app.mjs")} threw: Error: accept handler failed`, 10_000, since);
    await run.waitForLine(failed("accept-throws.mjs"), 10_000, since);
    await laterUpdateApplies();
  });

  test("a throwing dispose handler is reported with the module's path and fails the update; later updates work", async () => {
    const since = run.mark();
    replaceIn(join(dir, "dispose-throws.mjs"), "v = 1", "v = 2");
    await run.waitForLine(
      `[hotload] dispose handler of ${join(dir, "dispose-throws.mjs")} threw: Error: dispose handler failed`,
      10_000,
      since,
    );
    await run.waitForLine(failed("dispose-throws.mjs"), 10_000, since);
    await laterUpdateApplies();
  });

  test("a throwing prune handler is reported with the module's path and fails the update; later updates work", async () => {
    const since = run.mark();
    writeFileSync(join(dir, "pruner.mjs"), 'console.log("pruner v2 evaluated");\nimport.meta.hot.accept();\n');
    await run.waitForLine(`[hotload] prune handler of ${join(dir, "prune-throws.mjs")} threw: Error: prune handler failed`, 10_000, since);
    await run.waitForLine(failed("pruner.mjs"), 10_000, since);
    await laterUpdateApplies();
  });
});
