import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { parse } from "acorn";
import { injectHot, injectHotBytes, type Injected } from "../../src/source/edit.js";
import { INJECTION, INJECTION_IMPORT } from "../../src/source/inject.js";
import { RUNTIME_SLOT } from "../../src/shared/urls.js";

function parses(code: string): boolean {
  try {
    parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true });
    return true;
  } catch {
    return false;
  }
}

const lineCount = (code: string): number => code.split("\n").length;

/**
 * Injects into `source` and checks what holds for every input: the line count is unchanged, and
 * the result parses as an ES module whenever the input does.
 */
function inject(source: string): Injected {
  const result = injectHot(source);
  assert.equal(lineCount(result.code), lineCount(source), "the number of lines changed");
  assert.equal(result.code.split(INJECTION).length, 2, "the statement is not in the result exactly once");
  if (parses(source)) assert.ok(parses(result.code), `the result does not parse:\n${result.code}`);
  return result;
}

/** Checks that the statement went at the end of line 1 and nothing of line 1 moved. */
function assertAtEnd(source: string, result: Injected): void {
  const eol = source.indexOf("\n") < 0 ? source.length : source.indexOf("\n");
  const lineEnd = source[eol - 1] === "\r" ? eol - 1 : eol;
  const line1 = source.slice(0, lineEnd);
  assert.equal(result.shift, 0);
  // Every original character of line 1 is at the same column.
  assert.ok(result.code.startsWith(line1), `line 1 moved:\n${result.code}`);
  const added = result.code.slice(line1.length, result.code.length - (source.length - lineEnd));
  assert.ok(added === INJECTION || added === `;${INJECTION}`, `unexpected addition ${JSON.stringify(added)}`);
  assert.equal(result.code.slice(line1.length + added.length), source.slice(lineEnd), "later lines changed");
}

/** Checks that the statement went first (after a BOM) and everything else shifted by its length. */
function assertFirst(source: string, result: Injected): void {
  const bom = source.startsWith("\uFEFF") ? "\uFEFF" : "";
  assert.equal(result.shift, INJECTION.length);
  assert.equal(result.code, bom + INJECTION + source.slice(bom.length));
}

/**
 * Checks that the statement went either first or at the end of line 1, and that the reported
 * shift matches where it went (error locations on line 1 are corrected by it).
 */
function assertPlaced(source: string, result: Injected): void {
  if (result.shift === 0) assertAtEnd(source, result);
  else assertFirst(source, result);
}

describe("injectHot on a first line of complete static imports", () => {
  const cases: Record<string, string> = {
    "an import with a semicolon": 'import a from "a";\nconsole.log(a);\n',
    "an import without a semicolon": 'import a from "a"\nconsole.log(a)\n',
    "several imports on one line": 'import a from "a"; import { b, c as d } from "b"; import "c"\nuse(a, b, d);\n',
    "a bare side-effect import": 'import "./setup.mjs";\nrun();\n',
    "export * from": 'export * from "./x.mjs"\nexport const y = 1;\n',
    "export * as ns from": 'export * as ns from "./x.mjs";\n',
    "export {x} from": 'export {x} from "./x.mjs";\nexport const y = 1;\n',
    "export {x} from without a semicolon": 'export { x as default, y } from "./x.mjs"\n',
    "import attributes with { type: json }": 'import data from "./data.json" with { type: "json" };\nconsole.log(data);\n',
    "import attributes without a semicolon": 'import data from "./data.json" with { type: "json" }\nconsole.log(data)\n',
    "an import with leading indentation": '  import a from "a";\nuse(a);\n',
    "an import followed by trailing spaces": 'import a from "a";   \nuse(a);\n',
    "a single-line file": 'import a from "a"',
  };
  for (const [name, source] of Object.entries(cases)) {
    test(`${name}: the statement goes at the end of line 1 and nothing moves`, () => {
      assertAtEnd(source, inject(source));
    });
  }

  test("a missing semicolon is added before the statement, so the import still ends where it did", () => {
    const source = 'import a from "a"\nuse(a);';
    assert.equal(inject(source).code, `import a from "a";${INJECTION}\nuse(a);`);
  });

  test("an import whose attributes continue on line 2 still parses", () => {
    const source = 'import data from "./data.json"\n  with { type: "json" };\nconsole.log(data);\n';
    assert.ok(parses(source));
    inject(source);
  });
});

describe("injectHot on other first lines", () => {
  test("a blank first line gets the statement with shift 0", () => {
    const source = '\nimport a from "a";\nconst x = 1;\n';
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code, INJECTION + source);
  });

  test("a whitespace-only first line keeps its whitespace and gets the statement with shift 0", () => {
    const source = "   \nconst x = 1;\n";
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code, `   ${INJECTION}\nconst x = 1;\n`);
  });

  test("an empty file becomes the statement alone", () => {
    assert.equal(inject("").code, INJECTION);
  });

  test("a shebang is replaced by the statement with shift 0 and the other lines are identical", () => {
    const source = '#!/usr/bin/env node\nimport a from "a";\nconsole.log(a);\n';
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code.split("\n")[0], INJECTION);
    assert.deepEqual(result.code.split("\n").slice(1), source.split("\n").slice(1));
  });

  test("a byte order mark stays first, before line 1's imports", () => {
    const source = '\uFEFFimport a from "a";\nuse(a);\n';
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code, `\uFEFFimport a from "a";${INJECTION}\nuse(a);\n`);
  });

  test("a byte order mark stays first, before the statement on a line of code", () => {
    const source = "\uFEFFif (ready) start();\n";
    const result = inject(source);
    assert.equal(result.shift, INJECTION.length);
    assert.equal(result.code, `\uFEFF${INJECTION}if (ready) start();\n`);
  });

  test("a byte order mark before a shebang is kept", () => {
    const source = "\uFEFF#!/usr/bin/env node\nrun();\n";
    const result = inject(source);
    assert.equal(result.code, `\uFEFF${INJECTION}\nrun();\n`);
  });

  test("CRLF line endings are kept, and the statement goes before the CR", () => {
    const source = 'import a from "a";\r\nuse(a);\r\nmore();\r\n';
    const result = inject(source);
    assertAtEnd(source, result);
    assert.equal(result.code, `import a from "a";${INJECTION}\r\nuse(a);\r\nmore();\r\n`);
  });

  test("CRLF line endings are kept after a replaced shebang", () => {
    const source = "#!/usr/bin/env node\r\nrun();\r\n";
    assert.equal(inject(source).code, `${INJECTION}\r\nrun();\r\n`);
  });

  test("a first line with code (const x = 1;) keeps its lines and reports the shift it got", () => {
    for (const source of ["const x = 1;\nconsole.log(x);\n", "\uFEFFconst x = 1;\n", "let a = 1, b = [1, 2];\n"]) {
      assertPlaced(source, inject(source));
    }
  });

  test("a first line with code that may continue on line 2 gets the statement first, shifted by its length", () => {
    for (const source of ["const x = 1\n+ 2;\n", "if (ready) start();\n", "const f = (a) =>\n  a;\n", "x = [\n1];\n"]) {
      assertFirst(source, inject(source));
    }
  });

  test("a first line that starts with imports and then has code gets the statement first", () => {
    const source = 'import a from "a"; export default a;\n';
    assertFirst(source, inject(source));
  });

  test("a multi-line import starting on line 1 gets the statement first", () => {
    const source = 'import {\n  a,\n} from "x";\nuse(a);\n';
    assertFirst(source, inject(source));
  });

  test("a multi-line re-export starting on line 1 gets the statement first", () => {
    const source = 'export {\n  a,\n} from "x"\n';
    assertFirst(source, inject(source));
  });

  test("an import followed by a line comment gets the statement after the import: only the comment moves", () => {
    const source = 'import x from "y"; // comment\nuse(x);\n';
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code, `import x from "y"; ${INJECTION}// comment\nuse(x);\n`);
  });

  test("an import followed by a block comment that does not close on line 1 gets the statement after the import, outside the comment", () => {
    const source = 'import x from "y"; /* starts here\n ends here */ use(x);\n';
    const result = inject(source);
    assert.equal(result.shift, 0);
    assert.equal(result.code, `import x from "y"; ${INJECTION}/* starts here\n ends here */ use(x);\n`);
  });

  test("an import without a semicolon, then a comment, gets one before the statement", () => {
    const source = 'import x from "y" // comment\nuse(x);\n';
    assert.equal(inject(source).code, `import x from "y" ;${INJECTION}// comment\nuse(x);\n`);
  });

  test("a first line that reads import.meta.hot gets the statement first", () => {
    for (const source of ["const hot = import.meta.hot;\n", "import.meta.hot.accept();\n", 'import "a"; import.meta.hot?.accept();\n']) {
      assertFirst(source, inject(source));
    }
  });

  test("a first line with a dynamic import or other import.meta use keeps its lines and reports the shift it got", () => {
    for (const source of ['import("./x.mjs");\n', 'export const x = await import("y");\n', "import.meta.url;\n"]) {
      assertPlaced(source, inject(source));
    }
  });

  test("a comment on line 1 gets the statement first", () => {
    const source = "// a header comment\nconst x = 1;\n";
    assertFirst(source, inject(source));
  });
});

describe("injectHot on TypeScript", () => {
  /** The result is still valid TypeScript: Node's type stripper accepts it and leaves valid JavaScript. */
  function assertValidTypeScript(code: string): void {
    const js = stripTypeScriptTypes(code);
    assert.ok(parses(js), `stripped result does not parse:\n${js}`);
  }

  test("a type-only import on line 1 gets the statement at its end with shift 0", () => {
    const source = 'import type { X } from "./x";\nexport const y: X = 1;\n';
    const result = inject(source);
    assertAtEnd(source, result);
    assertValidTypeScript(result.code);
  });

  test("a line 1 mixing type and value imports gets the statement at its end with shift 0", () => {
    const source = 'import { type X, y } from "./x.ts";\nexport const z: X = y;\n';
    const result = inject(source);
    assertAtEnd(source, result);
    assertValidTypeScript(result.code);
  });

  test("a first line with a type annotation keeps its lines, reports its shift and stays valid TypeScript", () => {
    const source = "const x: number = 1;\nexport { x };\n";
    const result = inject(source);
    assertPlaced(source, result);
    assertValidTypeScript(result.code);
  });

  test("a first line of TypeScript that continues on line 2 gets the statement first", () => {
    const source = "const x: number =\n  1;\nexport { x };\n";
    const result = inject(source);
    assertFirst(source, result);
    assertValidTypeScript(result.code);
  });
});

describe("injectHotBytes", () => {
  test("gives the same result as injectHot on the decoded text", () => {
    const sources = [
      'import a from "a";\nuse(a);\n',
      'import a from "ä"\r\nconst é = 1;\r\n',
      "const x = '→';\nmore();\n",
      "#!/usr/bin/env node\nrun();\n",
      "\uFEFFimport a from 'a';\nuse(a);\n",
      'import a from "a"',
      "",
    ];
    for (const source of sources) {
      assert.deepEqual(injectHotBytes(new TextEncoder().encode(source)), injectHot(source), JSON.stringify(source));
    }
  });

  test("reads only the bytes of the view it is given", () => {
    const bytes = new TextEncoder().encode('XXXXimport a from "a";\nuse(a);\nYYYY');
    const view = bytes.subarray(4, bytes.length - 4);
    assert.deepEqual(injectHotBytes(view), injectHot('import a from "a";\nuse(a);\n'));
  });
});

describe("injectHot when the module runs", () => {
  const dir = mkdtempSync(join(tmpdir(), "hotload-transform-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;

  /**
   * Evaluates the transformed `source` with a stand-in runtime and returns what the module saw as
   * `import.meta.hot` (it stores it in `globalThis[key]`) next to the object the runtime handed out.
   */
  async function run(source: (key: string) => string): Promise<{ seen: unknown; given: object }> {
    const key = `hotload-transform-test-${++count}`;
    const file = join(dir, `m${count}.mjs`);
    // As the runtime loads it: line 1's statement, and the import of its binding after the last line.
    writeFileSync(file, `${injectHot(source(key)).code}\n${INJECTION_IMPORT}`);
    const given = { hotFor: key };
    const global = globalThis as Record<string | symbol, unknown>;
    global[Symbol.for(RUNTIME_SLOT)] = { hot: () => given };
    try {
      await import(pathToFileURL(file).href);
      return { seen: global[key], given };
    } finally {
      delete global[Symbol.for(RUNTIME_SLOT)];
      delete global[key];
    }
  }

  test("a module whose line 1 holds imports sees import.meta.hot", async () => {
    const { seen, given } = await run((key) => `import "node:path";\nglobalThis[${JSON.stringify(key)}] = import.meta.hot;\n`);
    assert.equal(seen, given);
  });

  test("a module whose line 1 is code sees import.meta.hot from line 2 on", async () => {
    const { seen, given } = await run((key) => `const x = 1;\nglobalThis[${JSON.stringify(key)}] = import.meta.hot;\n`);
    assert.equal(seen, given);
  });

  test("a module that reads import.meta.hot on line 1 sees it", async () => {
    const { seen, given } = await run((key) => `globalThis[${JSON.stringify(key)}] = import.meta.hot;\n`);
    assert.equal(seen, given);
  });

  test("a hoisted function called on line 1 already sees import.meta.hot", async () => {
    // \`main();\` first and the function below is a common layout; main() runs before line 1 ends.
    const { seen, given } = await run((key) => `main();\nfunction main() {\n  globalThis[${JSON.stringify(key)}] = import.meta.hot;\n}\n`);
    assert.equal(seen, given);
  });

  test("a value computed on line 1 by a hoisted function already sees import.meta.hot", async () => {
    const { seen, given } = await run(
      (key) =>
        `export const app = createApp();\nfunction createApp() {\n  return (globalThis[${JSON.stringify(key)}] = import.meta.hot);\n}\n`,
    );
    assert.equal(seen, given);
  });
});
