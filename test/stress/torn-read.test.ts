/**
 * A save that is half done while an update imports the file (found by the torture test: an
 * editor truncates a file, then writes it). fixtures/stress-app accepts root.mjs, which imports
 * mid.mjs (for its side effects: `import * as`), which imports leaf.mjs. mid.mjs is truncated
 * (and kept open) when leaf.mjs is saved, so the update of leaf.mjs imports mid.mjs while it is
 * empty; then mid.mjs gets its text back.
 *
 * The watcher holds back a file that became empty (docs/limits.md: half-written saves), but an update
 * reads every module it re-imports from disk: what it must not do is apply the empty file and
 * drop what the real one imports.
 */
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, type Running } from "../helpers/e2e.js";
import { ask, startApp } from "./harness.js";

after(cleanup);

const ROOT = 'import * as mid from "./mid.mjs";\nexport const v = mid.leaf;\nprocess.stderr.write(`root sees leaf=${mid.leaf}\\n`);\n';
const MID = 'import { leaf } from "./leaf.mjs";\nexport { leaf };\n';
const leaf = (v: number): string => `export const leaf = ${v};\n${"//\n".repeat(v)}`;

interface GraphModule {
  file: string;
}

describe("a module read while it is being saved", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    ({ dir, run } = await startApp({ "root.mjs": ROOT, "mid.mjs": MID, "leaf.mjs": leaf(1) }, ["./root.mjs"]));
    await run.waitForLine("root sees leaf=1");
    const since = run.mark();
    const fd = openSync(join(dir, "mid.mjs"), "r+");
    try {
      ftruncateSync(fd, 0);
      writeFileSync(join(dir, "leaf.mjs"), leaf(2));
      // The update of leaf.mjs runs now, with mid.mjs empty on disk.
      await run.waitForLine(/^UPDATE \{.*leaf\.mjs/, 10_000, since);
      writeSync(fd, MID, 0);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(join(dir, "mid.mjs"), "utf8"), MID);
  });

  test("once the save is complete, the edit that was waiting applies through it", async () => {
    await run.waitForLine("root sees leaf=2", 5_000);
  });

  test("what the complete file imports stays in the graph, and its next save applies", async () => {
    const { modules } = await ask<{ modules: GraphModule[] }>(run, "graph");
    assert.ok(
      modules.some((m) => m.file === join(dir, "leaf.mjs")),
      `leaf.mjs is not in graph(): ${JSON.stringify(modules.map((m) => m.file))}`,
    );
    const since = run.mark();
    writeFileSync(join(dir, "leaf.mjs"), leaf(3));
    await run.waitForLine("root sees leaf=3", 5_000, since);
  });
});
