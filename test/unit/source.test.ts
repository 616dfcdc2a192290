import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { acceptedBy } from "../../src/source/accepted.js";
import { editModule, mentionsMeta } from "../../src/source/edit.js";
import { INJECTION } from "../../src/source/inject.js";
import { lex, needsHot } from "../../src/source/lexer.js";
import { inlineMap, mapComment } from "../../src/source/sourcemap.js";

const accepted = (source: string) => acceptedBy(source, lex(source)!.metas);

describe("what the lexer tells about a module", () => {
  test("import.meta in every spelling the language allows is found", () => {
    const source = "a(import . meta);\nb(import\n  .meta);\nc(import /* x */ . /* y */ meta);\nd(import.meta);\n";
    assert.equal(lex(source)!.metas.length, 4);
  });

  test("a module reading only import.meta.url, filename, dirname or main needs no import.meta.hot", () => {
    for (const source of ["const u = import.meta.url;", "f(import . meta . dirname, import.meta.filename, import.meta.main)"]) {
      assert.equal(needsHot(source, lex(source)!), false, source);
    }
    for (const source of [
      "import.meta.hot?.accept()",
      "f(import.meta)",
      "import.meta.resolve('x')",
      "import.meta['hot']",
      "import.meta.urlish",
    ]) {
      assert.equal(needsHot(source, lex(source)!), true, source);
    }
  });

  test("static imports, their ends and the export names are read, type-only ones told apart", () => {
    const source =
      'import a from "./a.mjs"; import type { T } from "./t";\nexport * from "./star.mjs";\nexport { b as c } from "./b.mjs";\nexport const d = 1; export default d;\n';
    const facts = lex(source)!;
    assert.deepEqual(
      facts.imports.map((i) => [i.specifier, source.slice(i.start, i.end), i.typeOnly]),
      [
        ["./a.mjs", 'import a from "./a.mjs"', false],
        ["./t", 'import type { T } from "./t"', true],
        ["./star.mjs", 'export * from "./star.mjs"', false],
        ["./b.mjs", 'export { b as c } from "./b.mjs"', false],
      ],
    );
    assert.deepEqual(facts.exports, ["c", "d", "default"]);
  });

  test("a source that does not lex gives undefined, not an exception", () => {
    assert.equal(lex("import { from"), undefined);
  });

  test("a module that does not parse is handed on as written (with what an update appends): nothing of hotload's shows in Node's code frame", () => {
    const unclosed = "import.meta.hot?.accept();\nexport function handler() {\n  return 1;\n";
    assert.equal(editModule(unclosed, { file: "/app/unclosed.mjs" }), undefined);
    assert.deepEqual(editModule(unclosed, { file: "/app/unclosed.mjs", tail: "\nimport 'gate';" }), {
      code: `${unclosed}\nimport 'gate';`,
      shift: 0,
      facts: undefined,
    });
    // TypeScript is left as before: acorn cannot tell (Node's stripper or the loader reports it).
    assert.equal(lex("import.meta.hot?.accept(); const x: { a: 1 = { a: 1 };"), undefined);
    assert.ok(editModule("import.meta.hot?.accept(); const x: { a: 1 = { a: 1 };", { file: "/app/typed.ts" })!.code.includes(INJECTION));
  });

  test("only a mention of meta makes a module worth lexing", () => {
    assert.equal(mentionsMeta(Buffer.from("export const x = 1;")), false);
    assert.equal(mentionsMeta(Buffer.from("import\n.meta")), true);
  });
});

describe("the specifiers a module accepts, read before it runs (Vite's lexAcceptedHmrDeps)", () => {
  test("a string, a list of strings, in any quote, with spaces and optional chaining", () => {
    const source = [
      'import.meta.hot.accept("./a.mjs", () => {});',
      "import.meta.hot?.accept(['./b.mjs', `./c.mjs`,], (mods) => {});",
      'import . meta . hot . accept( "./a.mjs" )',
    ].join("\n");
    assert.deepEqual(accepted(source), { deps: ["./a.mjs", "./b.mjs", "./c.mjs"], self: false, dynamic: false });
  });

  test("accept() with nothing or a callback is a self-accept", () => {
    assert.deepEqual(accepted("import.meta.hot.accept();"), { deps: [], self: true, dynamic: false });
    assert.deepEqual(accepted("import.meta.hot.accept((m) => m);"), { deps: [], self: true, dynamic: false });
    assert.deepEqual(accepted("import.meta.hot.accept(function (m) {});"), { deps: [], self: true, dynamic: false });
  });

  test("a specifier computed at run time makes the answer dynamic", () => {
    assert.equal(accepted("import.meta.hot.accept(name, cb);").dynamic, true);
    assert.equal(accepted("import.meta.hot.accept([`./${name}.mjs`], cb);").dynamic, true);
  });

  test("escapes in a specifier are decoded", () => {
    assert.deepEqual(accepted('import.meta.hot.accept("./\\u0061.mjs")').deps, ["./a.mjs"]);
  });

  test("the TypeScript forms docs/typescript-and-formats.md shows (type stripping: hotload reads the TypeScript): a non-null assertion and type arguments", () => {
    for (const source of [
      'import.meta.hot!.accept("./dep.ts", () => {});',
      'import.meta.hot?.accept<typeof import("./dep.ts")>("./dep.ts", (dep) => dep?.value);',
      "import.meta.hot!.accept<Array<typeof import('./dep.ts')>>(['./dep.ts'], ([dep]) => dep);",
      'import.meta.hot ! . accept < Record<string, (x: number) => void> > ( "./dep.ts" )',
    ]) {
      assert.deepEqual(accepted(source), { deps: ["./dep.ts"], self: false, dynamic: false }, source);
    }
    assert.deepEqual(accepted("import.meta.hot!.accept<Mod>((m) => m);"), { deps: [], self: true, dynamic: false });
    // Not a call: a comparison, an unclosed `<`.
    assert.deepEqual(accepted("if (import.meta.hot!.accept < 3) {}"), { deps: [], self: false, dynamic: false });
  });

  test("import.meta.hot?.accept lowered for a target before ES2020 (swc, so @swc-node/register without a tsconfig; tsc; Babel)", () => {
    for (const source of [
      'var _hot;\n(_hot = import.meta.hot) === null || _hot === void 0 ? void 0 : _hot.accept("./dep.ts", (dep)=>dep);',
      "var _a;\n(_a = import.meta.hot) == null ? void 0 : _a.accept(['./dep.ts'], cb);",
    ]) {
      assert.deepEqual(accepted(source), { deps: ["./dep.ts"], self: false, dynamic: false }, source);
    }
    assert.deepEqual(accepted("(_hot = import.meta.hot) === null || _hot === void 0 ? void 0 : _hot.accept();"), {
      deps: [],
      self: true,
      dynamic: false,
    });
    // Another variable's method, and another method, are not accept calls on import.meta.hot.
    assert.deepEqual(accepted('(_hot = import.meta.hot) === null || _hot === void 0 ? void 0 : other.accept("./dep.ts");'), {
      deps: [],
      self: false,
      dynamic: false,
    });
    assert.deepEqual(accepted("(_hot = import.meta.hot) === null || _hot === void 0 ? void 0 : _hot.dispose(() => {});"), {
      deps: [],
      self: false,
      dynamic: false,
    });
  });

  test("other hot methods and a module that never accepts say nothing", () => {
    assert.deepEqual(accepted("import.meta.hot.dispose(() => {}); import.meta.url;"), { deps: [], self: false, dynamic: false });
  });
});

describe("editModule", () => {
  test("a new version with its own inline map is named by its file only while source maps are off (on, the map leads to the file, and Node would key every version's map by one URL)", () => {
    const source = "export const x = 1;\n//# sourceMappingURL=data:application/json;base64,e30=\n";
    const named = (): boolean =>
      editModule(source, { file: "/app/x.ts", sourceUrl: "file:///app/x.ts" })?.code.includes("//# sourceURL=file:///app/x.ts") ?? false;
    const was = process.sourceMapsEnabled;
    try {
      process.setSourceMapsEnabled(false);
      assert.equal(named(), true);
      process.setSourceMapsEnabled(true);
      assert.equal(named(), false);
    } finally {
      process.setSourceMapsEnabled(was);
    }
  });

  test("a module that does not mention meta is not edited (and never lexed)", () => {
    assert.equal(editModule(Buffer.from("export const x = 1;\n"), { file: "/app/x.mjs" }), undefined);
  });

  test("a module reading only import.meta.url is not edited", () => {
    assert.equal(editModule("export const u = import.meta.url;\n", { file: "/app/x.mjs" }), undefined);
  });

  test("a line 1 of code that calls nothing keeps its columns: the statement goes at its end, no map", () => {
    const source = 'export const PORT = 3000; let count = 0, names = ["a"];\nimport.meta.hot.accept();\n';
    const edited = editModule(source, { file: "/app/x.mjs" })!;
    assert.equal(edited.shift, 0);
    assert.ok(edited.code.startsWith(`export const PORT = 3000; let count = 0, names = ["a"];${INJECTION}\n`), edited.code);
    assert.equal(inlineMap(edited.code), undefined);
  });

  test("a line 1 that calls code moves right, and a source map leads back to the file's columns", () => {
    const source = "start(); const x = 1;\nfunction start() { import.meta.hot.accept(); }\n";
    const edited = editModule(source, { file: "/app/x.mjs" })!;
    assert.equal(edited.shift, INJECTION.length);
    const map = new TraceMap(inlineMap(edited.code)!.map as never);
    const at = originalPositionFor(map, { line: 1, column: edited.code.indexOf("const x") });
    assert.deepEqual([at.source, at.line, at.column], ["x.mjs", 1, source.indexOf("const x")]);
    const line2 = originalPositionFor(map, { line: 2, column: 9 });
    assert.deepEqual([line2.line, line2.column], [2, 9]);
  });

  test("a module's own inline map (tsx) is composed with the edit, and still leads to the original file", () => {
    // A compiled line 1 `start(); const x = 1;` whose own map says it came from columns 4 and 20 of line 3 of app.ts.
    const compiled = "start(); const x = 1;\nfunction start() { import.meta.hot.accept(); }\n";
    const own = { version: 3, sources: ["app.ts"], names: [], mappings: "AAEI,SAAgB" };
    const source = `${compiled}${mapComment(own)}\n`;
    const edited = editModule(source, { file: "/app/app.ts" })!;
    assert.equal(edited.code.match(/sourceMappingURL/g)?.length, 1, "the module's own map is replaced, not kept beside");
    const map = new TraceMap(inlineMap(edited.code.slice(0, edited.code.lastIndexOf("\nimport{")))!.map as never);
    const first = originalPositionFor(map, { line: 1, column: INJECTION.length });
    assert.deepEqual([first.source, first.line, first.column], ["app.ts", 3, 4]);
    const second = originalPositionFor(map, { line: 1, column: INJECTION.length + 9 });
    assert.deepEqual([second.source, second.line, second.column], ["app.ts", 3, 20]);
  });

  test("appended lines (an update's gate) go after the last line: no line moves", () => {
    const edited = editModule("export const x = 1;\n", { file: "/app/x.mjs", tail: '\nimport "gate";' })!;
    assert.equal(edited.code, 'export const x = 1;\n\nimport "gate";');
  });
});
