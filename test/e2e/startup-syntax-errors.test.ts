/**
 * A syntax error that ends a freshly started program prints as under plain node (issue 23, case 7):
 * the code frame shows the line as written, not hotload's edits (the statement that gives a module
 * `import.meta.hot` on line 1, the import appended after the last line), with the caret where node
 * puts it. Each entry of the fixture is run under plain node and under hotload, and what they print
 * down to the stack's first frame (header, code frame, message) is compared.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/** What a crash printed before its stack frames (Node's own frames differ with the loader's path). */
async function crash(run: Running): Promise<{ code: number | string; printed: string }> {
  const code = await run.exited;
  const lines = run.lines.filter((line) => line.trim() !== "");
  const frames = lines.findIndex((line) => /^\s+at /.test(line));
  return { code, printed: lines.slice(0, frames < 0 ? lines.length : frames).join("\n") };
}

/** The code frame a crash printed: its header line, the source line and the caret. */
function frame(printed: string): string {
  return printed.split("\n").slice(0, 3).join("\n");
}

describe("a syntax error that stops the program at start-up prints as under plain node", () => {
  const dir = copyFixture("startup-syntax-errors");
  const cases = [
    ["first-line.mjs", "on line 1, where the statement goes first"],
    ["end-of-line.mjs", "on line 1, where the statement goes at its end"],
    ["imports-unclosed.mjs", "at the end of an imported module (an unclosed block, where hotload appends an import)"],
    ["imports-first-line.mjs", "on line 1 of an imported module"],
    ["missing-value.mjs", "a missing value on line 1"],
    ["imports-missing-value.mjs", "a missing value on line 1 of an imported module"],
    ["imports-template-in-function.mjs", "in a template in a function of an imported module"],
    ["imports-await-in-function.mjs", "`await` in a plain function of an imported module"],
    ["imports-duplicate-export.mjs", "a duplicate export in an imported module"],
    ["missing-export.mjs", "an import of a name the imported module does not export (a link error)"],
    ["imports-missing-export.mjs", "a link error in an imported module"],
    ["imports-accepts-commonjs.mjs", "a link error of an import from CommonJS that the module accepts (a live binding)"],
    ["missing-commonjs-export.mjs", "an import of a name a CommonJS module does not export (Node's hint to import its default)"],
    ["first-line.ts", "on line 1 of a TypeScript file (Node's type stripping)"],
    ["unclosed.ts", "at the end of a TypeScript file"],
  ] as const;
  // Node 22 drops its hint to a CommonJS module's link error under any module.registerHooks() hook
  // (its lookup of the module's format fails): the code frame is still node's.
  const frameOnly = process.versions.node.startsWith("22.")
    ? new Set(["imports-accepts-commonjs.mjs", "missing-commonjs-export.mjs"])
    : new Set();
  for (const [entry, where] of cases) {
    test(`${where}: ${entry}`, async () => {
      const [plain, hot] = await Promise.all([
        crash(spawnCommand(process.execPath, [entry], { cwd: dir })),
        crash(spawnHot(join(dir, entry))),
      ]);
      assert.equal(plain.code, 1, plain.printed);
      assert.match(plain.printed, /SyntaxError/);
      assert.equal(hot.code, plain.code, hot.printed);
      if (!frameOnly.has(entry)) assert.equal(hot.printed, plain.printed);
      else assert.equal(frame(hot.printed), frame(plain.printed));
    });
  }
});
