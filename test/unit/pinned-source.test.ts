import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertCompiledFromPinned, handOn, marked } from "../../src/engine/modules/pinned-source.js";

describe("what an update hands the rest of the load chain", () => {
  test("a script's content goes on as text, as Node decodes it (no byte order mark), with the version's marker on a line after the last", () => {
    const bytes = Buffer.from("\uFEFFexport const a = 1;", "utf8");
    const handed = handOn(bytes, "/p/dep.ts", 3, undefined);
    assert.equal(typeof handed, "string");
    assert.equal(handed, "export const a = 1;\nlet __hotload_version_3__;\n");
    // No line of the file moves: the first lines are the file's.
    assert.deepEqual(String(handed).split("\n").slice(0, 1), ["export const a = 1;"]);
  });

  test("what is a syntax error without the marker stays one with it, in a script as in a module; a complete file stays valid", async () => {
    const { Script, SourceTextModule } = await import("node:vm");
    const withMarker = (text: string): string => String(handOn(Buffer.from(text), "/p/x.js", 1, undefined));
    for (const unfinished of ["if (x)", "x = 1 +", "while (x)", "label:", "x = a ?", "if (x) y(); else"]) {
      assert.throws(() => new Script(`(function () {${withMarker(unfinished)}})`), SyntaxError, unfinished);
      if (SourceTextModule) assert.throws(() => new SourceTextModule(withMarker(unfinished)), SyntaxError, unfinished);
    }
    for (const complete of ["x = 1", "x = y;", "function f() {}", "// the end"]) new Script(`(function () {${withMarker(complete)}})`);
  });

  test("JSON and other text go on as text without a marker; WebAssembly as bytes", () => {
    assert.equal(handOn(Buffer.from('{"a":1}'), "/p/data.json", 2, "json"), '{"a":1}');
    assert.equal(handOn(Buffer.from("a: 1"), "/p/config.yaml", 2, undefined), "a: 1");
    const wasm = Buffer.from([0, 97, 115, 109]);
    assert.equal(handOn(wasm, "/p/m.wasm", 2, undefined), wasm);
    assert.equal(marked("/p/config.yaml", undefined), false);
    assert.equal(marked("/p/x.mjs", undefined), true);
    assert.equal(marked("/p/x.json", "json"), false);
  });

  test("code handed back with the version's marker passes; without it (old tsx's '105,109,…', a cache), it is refused", () => {
    assertCompiledFromPinned("export const a = 1;\nlet __hotload_version_3__;\n", "/p/dep.ts", 3);
    assertCompiledFromPinned(Buffer.from("x;\nlet __hotload_version_3__;"), "/p/dep.ts", 3);
    assert.throws(() => assertCompiledFromPinned("101,120,112,111", "/p/dep.ts", 3), /handed back other code than the saved file's/);
    // The marker of an earlier version is not this one's.
    assert.throws(() => assertCompiledFromPinned("x;\nlet __hotload_version_2__;", "/p/dep.ts", 3), /dep\.ts/);
  });
});
