import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mentionsImportMeta } from "../../src/source/import-meta-check.js";

const both = (text: string): boolean[] => [mentionsImportMeta(text), mentionsImportMeta(Buffer.from(text))];

describe("mentionsImportMeta", () => {
  test("import.meta with whitespace or comments between its parts is a use", () => {
    for (const text of ["import.meta.hot.accept();", "import . meta.hot.accept();", "import\n  .meta.hot.accept();", "import/* a */./* b */meta.url", "import // x\n.meta", "const é = 1; import\t.\tmeta"]) {
      assert.deepEqual(both(text), [true, true], text);
    }
  });

  test("a module without import.meta is not", () => {
    for (const text of ["export const meta = 1;", "import { meta } from './m.mjs';", "importer.meta", "import . metadata"]) {
      assert.deepEqual(both(text), [false, false], text);
    }
  });
});

test("mentionsImportMeta takes linear time on comments that could be split many ways", () => {
  const started = performance.now();
  const text = `import ${"// a // b /* c */ ".repeat(2_000)}\n${"/* x */ /* y */ ".repeat(2_000)} meta`;
  assert.equal(mentionsImportMeta(text), false);
  assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
});
