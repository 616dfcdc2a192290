import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { commonJsSyntaxError, compileChanged } from "../../src/engine/commonjs-syntax.js";
import { locate } from "../../src/engine/location.js";

const check = (file: string, format: string | undefined, text: string): Promise<SyntaxError | undefined> =>
  commonJsSyntaxError(file, pathToFileURL(file).href, format, Buffer.from(text));

describe("the syntax check of CommonJS and JSON modules before an update disposes anything", () => {
  test("what Node's CommonJS wrapper compiles passes: top-level return, a hashbang, require and module", async () => {
    assert.equal(await check("/app/a.js", undefined, "#!/usr/bin/env node\nif (module) return;\nexports.a = require('x');"), undefined);
    assert.equal(await check("/app/a.cjs", "commonjs", "module.exports = 1;"), undefined);
  });

  test("a syntax error is V8's, located at its line and column in the file", async () => {
    const file = "/app/routes.js";
    const error = await check(file, undefined, 'exports.hello = () => {\n  return String("v2";\n};\n');
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.message, "missing ) after argument list");
    assert.deepEqual(await locate(error, []), { file, line: 2, column: 17 });
  });

  test("a typeless .js file that holds ES module syntax is left to Node (it loads as an ES module)", async () => {
    assert.equal(await check("/app/a.js", undefined, 'import x from "./x.js";\nexport const a = x;'), undefined);
    assert.ok((await check("/app/a.js", undefined, 'import x from "./x.js";\nexport const a = (x;')) instanceof SyntaxError);
    // A .cjs file is CommonJS whatever it holds.
    assert.ok((await check("/app/a.cjs", "commonjs", 'import x from "./x.js";')) instanceof SyntaxError);
  });

  test("JSON parses as Node parses it, with the file in the message", async () => {
    assert.equal(await check("/app/d.json", "json", '\ufeff{ "a": 1 }'), undefined);
    const error = await check("/app/d.json", "json", '{\n  "a": 1,\n}\n');
    assert.ok(error instanceof SyntaxError);
    assert.match(error.message, /^\/app\/d\.json: /);
  });

  test(".cts is stripped as Node strips it, without the stripper's experimental warning", async () => {
    const warnings: string[] = [];
    const listen = (warning: Error): void => void warnings.push(warning.message);
    process.on("warning", listen);
    try {
      assert.equal(await check("/app/t.cts", "commonjs-typescript", "const a: number = 1;\nmodule.exports = a;"), undefined);
      const error = await check("/app/t.cts", "commonjs-typescript", "const a: number = (1;\n");
      assert.ok(error instanceof SyntaxError);
      assert.match(String(error.stack), /^\/app\/t\.cts:1\n/);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listen);
    }
    assert.deepEqual(warnings.filter((w) => w.includes("stripTypeScriptTypes")), []);
  });

  test("ES modules, and TypeScript another loader compiles to CommonJS (tsx), are not checked here", async () => {
    assert.equal(await check("/app/a.mjs", "module", "export const a = (1;"), undefined);
    assert.equal(await check("/app/a.ts", "commonjs", "const a = (1;"), undefined);
  });

  test("compileChanged throws the first error of a changed module, after telling which", async () => {
    const modules = new Map([
      ["file:///app/a.js", { file: "/app/a.js", format: undefined }],
      ["file:///app/b.js", { file: "/app/b.js", format: undefined }],
      ["file:///app/c.mjs", { file: "/app/c.mjs", format: "module" }],
    ]);
    const contents = new Map([
      ["file:///app/b.js", Buffer.from("module.exports = (;")],
      ["file:///app/c.mjs", Buffer.from("export const c = (;")],
    ]);
    const failed: string[] = [];
    await assert.rejects(compileChanged([...modules.keys()], contents, (id) => modules.get(id), (id) => failed.push(id)), SyntaxError);
    assert.deepEqual(failed, ["file:///app/b.js"]);
    await compileChanged(["file:///app/a.js", "file:///app/c.mjs"], contents, (id) => modules.get(id), (id) => failed.push(id));
  });
});
