/**
 * TypeScript that Node's type stripper refuses (issue 10, item 13; issue 14), on
 * fixtures/ts-errors: reported at path:line:column with a code frame, never as held back by itself.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

test("a .ts syntax error and an unsupported construct name path:line:column with a code frame, and the file is not held back by itself", async () => {
  const dir = copyFixture("ts-errors");
  const file = join(dir, "typed.ts");
  const run = spawnHot(join(dir, "main.mjs"));
  await run.waitForLine("main ready");
  const cases = [
    {
      text: "export const value: number = 2;\nenum Colour { Red }\n",
      at: "2:1",
      message: "SyntaxError: TypeScript enum is not supported in strip-only mode",
      caret: "      | ^",
    },
    {
      text: "export const value: number = 3;\nconst broken = 1 + ;\n",
      at: "2:20",
      message: "SyntaxError: Expression expected",
      caret: `      | ${" ".repeat(19)}^`,
    },
    {
      // A file that ends mid-expression ends there: not at the line hotload hands on after it.
      text: "export const value: number = 5 +\n",
      at: "2:1",
      message: "SyntaxError: Unexpected end of file",
      caret: "      | ^",
    },
  ];
  for (const { text, at, message, caret } of cases) {
    const since = run.mark();
    edit(file, text);
    const line = await run.waitForLine(/^\[hotload\] .*typed\.ts/, 10_000, since);
    assert.equal(line, `[hotload] ${file}:${at} ${message} — keeping the previous version`, run.output());
    const frame = await run.waitForLine(/^ +\| +\^$/, 10_000, since);
    assert.equal(frame, caret, run.output());
  }
  const since = run.mark();
  edit(file, "export const value: number = 4444;\n");
  await run.waitForLine("main accepted 4444", 10_000, since);
});
