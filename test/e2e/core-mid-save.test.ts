/**
 * A new version runs the content its update read, even when the file is caught mid-save as the
 * version loads (torture seed 504161313: a "same content" save of a typeless .ts file truncated it
 * just as an update loaded it). Node found the file empty, took its format for CommonJS from that,
 * and the version ran as neither: its importer kept a module that exported nothing, and the save
 * that completed the file changed nothing hotload had not "seen", so the edit was lost.
 * fixtures/mid-save: main.mjs accepts dep.ts and dep.js (typeless, ES module syntax) and truncates
 * the changed file in hotload:beforeUpdate, writing it back once the update has run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

for (const [file, kind] of [
  ["dep.ts", "ts"],
  ["dep.js", "js"],
] as const) {
  test(`a typeless ${file.slice(3)} file found empty as its new version loads runs the content its update read, as an ES module`, async () => {
    const dir = copyFixture("mid-save");
    const run = spawnHot(join(dir, "main.mjs"));
    await run.waitForLine("main ready");
    const since = run.mark();
    const typed = kind === "ts" ? ": string" : "";
    edit(join(dir, file), `// Saved once.\nexport const value${typed} = "${kind} v22";\n`);
    await run.waitForLine(`after updated ${file}`, 10_000, since);
    const seen = run.lines.slice(since).find((line) => line.startsWith("main sees"));
    assert.equal(seen, kind === "ts" ? "main sees ts v22, (unchanged)" : "main sees (unchanged), js v22", run.output());
    assert.ok(!run.lines.slice(since).some((line) => /error|fail/i.test(line)), run.output());
  });
}
