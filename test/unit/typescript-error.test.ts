import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { typeScriptErrorAt } from "../../src/engine/failure/location.js";

describe("typeScriptErrorAt", () => {
  const dir = mkdtempSync(join(tmpdir(), "hotload-ts-error-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The error Node itself throws when it imports `source` as a .ts file. */
  async function errorOf(name: string, source: string): Promise<unknown> {
    const file = join(dir, name);
    writeFileSync(file, source);
    try {
      await import(`${pathToFileURL(file).href}?hotload=3`);
    } catch (error) {
      return error;
    }
    throw new Error(`${name} imported without an error`);
  }

  test("finds line and column of a syntax error and of an unsupported construct from Node's type stripper", async () => {
    const invalid = await errorOf("invalid.ts", "export const a: number = 1;\nconst b = 1 +;\n");
    assert.deepEqual(typeScriptErrorAt(invalid), { file: join(dir, "invalid.ts"), line: 2, column: 14 });
    const unsupported = await errorOf("enum.ts", "let a = 1;\n  enum E { A }\nexport { a };\n");
    assert.deepEqual(typeScriptErrorAt(unsupported), { file: join(dir, "enum.ts"), line: 2, column: 3 });
  });

  test("other errors are not its to locate", () => {
    assert.equal(typeScriptErrorAt(new SyntaxError("Unexpected token")), undefined);
    assert.equal(typeScriptErrorAt("not an error"), undefined);
  });
});
