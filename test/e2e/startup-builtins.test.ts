/**
 * What `--import hotload` costs a program at start-up in Node's own modules (issue 15): node:net,
 * node:cluster, node:worker_threads and their streams load only when the program needs them (a
 * few ms each), and the in-place server wrappers still go on before the program can listen.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, spawnHot } from "../helpers/e2e.js";

after(cleanup);

async function firstLine(entry: string, pattern: RegExp): Promise<string> {
  const run = spawnHot(entry);
  try {
    return await run.waitForLine(pattern, 15_000);
  } finally {
    await run.kill();
  }
}

describe("builtins at start-up", () => {
  const dir = copyFixture("startup-builtins");

  test("a hot program with no server loads neither node:net, node:cluster, node:worker_threads nor node:timers/promises", async () => {
    assert.equal(await firstLine(join(dir, "quiet.mjs"), /^heavy builtins:/), "heavy builtins: none");
  });

  test("the first import of node:http installs the in-place listen() wrapper before the program's code runs", async () => {
    assert.equal(await firstLine(join(dir, "http.mjs"), /^listen wrapped/), "listen wrapped by in-place updates: true");
  });

  test("process.getBuiltinModule('node:http') installs it too", async () => {
    assert.equal(await firstLine(join(dir, "builtin.mjs"), /^listen wrapped/), "listen wrapped by in-place updates: true");
  });
});
