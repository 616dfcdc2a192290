/**
 * Hardening (issue 6): a module that imports itself dynamically. Its new version's import() of
 * itself gets the new version, each save is one update, and the graph has no edge from the module
 * to itself (the graph invariant of test/helpers/graph.ts).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, type Running } from "../helpers/e2e.js";
import { ask, printedUpdates, startApp } from "./harness.js";

after(cleanup);

/** self.mjs (accepted by the app) and self-accepting.mjs (accepts itself) at version `v`. */
const self = (v: number, accepts = false): string =>
  `export const v = ${v};\n` +
  `import("./${accepts ? "self-accepting" : "self"}.mjs").then((me) => process.stderr.write(\`${accepts ? "self-accepting" : "self"} v\${v} imported itself: v\${me.v}\\n\`));\n` +
  (accepts ? "import.meta.hot.accept();\n" : "") +
  "//\n".repeat(v);

interface GraphModule {
  file: string;
  imports: string[];
  importers: string[];
}

describe("a module that imports itself dynamically", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    ({ dir, run } = await startApp({ "self.mjs": self(1), "self-accepting.mjs": self(1, true) }, ["./self.mjs", "./self-accepting.mjs"]));
    await run.waitForLine("self v1 imported itself: v1");
    await run.waitForLine("self-accepting v1 imported itself: v1");
  });

  for (const name of ["self", "self-accepting"]) {
    test(`${name}.mjs: each save is one update, and the new version imports itself, not the old one`, async () => {
      for (const v of [2, 3]) {
        const since = run.mark();
        writeFileSync(join(dir, `${name}.mjs`), self(v, name === "self-accepting"));
        const line = await run.waitForLine(new RegExp(`^${name} v${v} imported itself`), 10_000, since);
        assert.equal(line, `${name} v${v} imported itself: v${v}`);
        // A later update settles after any second update this save could have caused.
        const result = await ask<{ status: string }>(run, "sync", [`./${name}.mjs`]);
        assert.equal(result.status, "unchanged");
        const updates = printedUpdates(run, since).filter((u) => u.files.includes(join(dir, `${name}.mjs`)) && u.status !== "unchanged");
        assert.equal(updates.length, 1, run.output());
        assert.equal(updates[0]!.status, "updated", JSON.stringify(updates[0]));
        assert.equal(run.lines.slice(since).filter((l) => l.startsWith(`${name} v`)).length, 1, run.output());
      }
    });
  }

  test("graph() has no edge from a module to itself", async () => {
    const { modules } = await ask<{ modules: GraphModule[] }>(run, "graph");
    for (const name of ["self.mjs", "self-accepting.mjs"]) {
      const m = modules.find((x) => x.file === join(dir, name));
      assert.ok(m, `${name} is not in graph()`);
      assert.ok(!m.imports.includes(m.file), `${name} imports itself: ${JSON.stringify(m)}`);
      assert.ok(!m.importers.includes(m.file), `${name} is its own importer: ${JSON.stringify(m)}`);
    }
  });
});
