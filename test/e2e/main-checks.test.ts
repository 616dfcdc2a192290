/**
 * A new version of a module looks to the program like the file it was loaded from, as after a
 * restart (issue 21, case 1). An entry that starts its server only when it is the main module
 * (`require.main === module`, `import.meta.main`, `import.meta.url === pathToFileURL(argv[1])`)
 * must still be the main module when an update of a route or of the entry itself re-runs it in
 * place, and `import.meta.url`, `filename` and `dirname` of every new version name the file.
 */
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { cleanup, copyFixture, replaceIn, ROOT, spawnHot, type Running } from "../helpers/e2e.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

/** A copy of the fixture (its real path: Node names the main module by it) with express linked. */
function fixture(): string {
  const dir = realpathSync(copyFixture("main-checks"));
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", "express"), join(dir, "node_modules", "express"), "dir");
  return dir;
}

/** Waits until `path` answers with `expected` (the server may be between versions for a moment). */
async function answers(port: number, path: string, expected: string, run: Running): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last = "";
  while (performance.now() < deadline) {
    last = await get(port, false, path).then(
      (response) => response.body,
      (error: Error) => error.message,
    );
    if (last === expected) return;
    await delay(20);
  }
  assert.fail(`${path} answered ${JSON.stringify(last)}, not ${JSON.stringify(expected)}\n${run.output()}`);
}

async function started(run: Running): Promise<number> {
  return Number((await run.waitForLine(/^listening on \d+$/)).slice("listening on ".length));
}

describe("an entry that serves only as the main module keeps serving after updates", () => {
  test("CommonJS (Express): require.main and process.mainModule are the new entry, after a route save and an entry save", async () => {
    const dir = fixture();
    const run = spawnHot(join(dir, "server.cjs"));
    try {
      const port = await started(run);
      assert.ok(run.lines.includes("cjs entry 0 require.main=true mainModule=true"), run.output());
      await answers(port, "/", "rev 0", run);

      let since = run.mark();
      replaceIn(join(dir, "routes.cjs"), '"rev 0"', '"rev 1 +"');
      await run.waitForLine("cjs entry 0 require.main=true mainModule=true", 10_000, since);
      await answers(port, "/", "rev 1 +", run);

      since = run.mark();
      replaceIn(join(dir, "server.cjs"), '"entry 0"', '"entry 1 +"');
      await run.waitForLine("cjs entry 1 + require.main=true mainModule=true", 10_000, since);
      await answers(port, "/who", JSON.stringify({ tag: "entry 1 +" }), run);
      await answers(port, "/", "rev 1 +", run);
    } finally {
      await run.kill();
    }
  });

  test("ES module: import.meta.main, the argv check, and url, filename, dirname of every new version name the file", async () => {
    const dir = fixture();
    const entry = join(dir, "server.mjs");
    const url = pathToFileURL(entry).href;
    const routes = pathToFileURL(join(dir, "routes.mjs")).href;
    const page = pathToFileURL(join(dir, "page.mjs")).href;
    const entryLine = (tag: string): string => `esm ${tag} main=true argv=true url=${url} filename=${entry} dirname=${dir}`;
    const routesLine = (body: string): string => `routes ${body} url=${routes} resolve=${page} new-url=${page} import=page`;
    const run = spawnHot(entry);
    try {
      const port = await started(run);
      assert.ok(run.lines.includes(entryLine("entry 0")), run.output());
      assert.ok(run.lines.includes(routesLine("rev 0")), run.output());
      await answers(port, "/", "rev 0", run);

      let since = run.mark();
      replaceIn(join(dir, "routes.mjs"), '"rev 0"', '"rev 1 +"');
      await run.waitForLine(routesLine("rev 1 +"), 10_000, since);
      await run.waitForLine(entryLine("entry 0"), 10_000, since);
      await answers(port, "/", "rev 1 +", run);

      since = run.mark();
      replaceIn(entry, '"entry 0"', '"entry 1 +"');
      await run.waitForLine(entryLine("entry 1 +"), 10_000, since);
      await answers(port, "/who", JSON.stringify({ tag: "entry 1 +" }), run);
      await answers(port, "/", "rev 1 +", run);
      assert.ok(!run.output().includes("hotload="), run.output());
    } finally {
      await run.kill();
    }
  });

  test("TypeScript (Node's type stripping): a new version of the entry is the main module by import.meta.main and the argv check", async () => {
    const dir = fixture();
    const entry = join(dir, "server.mts");
    const entryLine = (tag: string): string => `mts ${tag} main=true argv=true url=${pathToFileURL(entry).href}`;
    const run = spawnHot(entry);
    try {
      const port = await started(run);
      assert.ok(run.lines.includes(entryLine("entry 0")), run.output());
      const since = run.mark();
      replaceIn(entry, '"entry 0"', '"entry 1 +"');
      await run.waitForLine(entryLine("entry 1 +"), 10_000, since);
      await answers(port, "/who", JSON.stringify({ tag: "entry 1 +" }), run);
      assert.ok(!run.output().includes("hotload="), run.output());
    } finally {
      await run.kill();
    }
  });
});
