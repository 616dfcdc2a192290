import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { disposedBeforeLinking, preflight } from "../../src/engine/commonjs/commonjs-preflight.js";
import { locate } from "../../src/engine/failure/location.js";

const root = mkdtempSync(join(tmpdir(), "hotload-preflight-"));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
/** How many checks ran as a compilation only (see PreflightView.compilingOnly). */
let compiling = 0;

/**
 * Writes `files` to a new folder, and runs the check of a change of its first file to its content
 * there, as last loaded in `format`. `loaded`: the files of the folder already in require.cache.
 */
async function check(files: Record<string, string>, format?: string, loaded: readonly string[] = []): Promise<Error | undefined> {
  const dir = join(root, String(folders++));
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = join(dir, Object.keys(files)[0]!);
  const url = pathToFileURL(file).href;
  const view = {
    moduleOf: (id: string) => (id === url ? { file, format } : undefined),
    loaded: (f: string) => loaded.some((name) => join(dir, name) === f),
    resolvingOnly: <T>(run: () => T): T => run(),
    compilingOnly: <T>(run: () => T): T => (compiling++, run()),
  };
  try {
    await preflight([url], new Map([[url, Buffer.from(Object.values(files)[0]!)]]), view);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** Where the error points, as the update's report says it. */
const where = async (error: Error | undefined): Promise<string> => {
  const at = await locate(error, []);
  return at ? `${at.file.replace(/^.*\//, "")}:${at.line}:${at.column}` : "nowhere";
};

describe("what a CommonJS module's new version must pass before an update disposes anything", () => {
  test("what Node's CommonJS wrapper compiles passes: top-level return, a hashbang, require and module", async () => {
    assert.equal(await check({ "a.js": "#!/usr/bin/env node\nif (module) return;\nexports.a = require('node:fs');" }), undefined);
    assert.equal(await check({ "a.cjs": "module.exports = 1;" }, "commonjs"), undefined);
  });

  test("a syntax error is V8's, located at its line and column in the file", async () => {
    const error = await check({ "routes.js": 'exports.hello = () => {\n  return String("v2";\n};\n' });
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.message, "missing ) after argument list");
    assert.equal(await where(error), "routes.js:2:17");
  });

  test("a typeless .js file that holds ES module syntax is left to Node (it loads as an ES module)", async () => {
    assert.equal(await check({ "a.js": 'import x from "./x.js";\nexport const a = x;' }), undefined);
    assert.ok((await check({ "a.js": 'import x from "./x.js";\nexport const a = (x;' })) instanceof SyntaxError);
    // A .cjs file is CommonJS whatever it holds.
    assert.ok((await check({ "a.cjs": 'import x from "./x.js";' }, "commonjs")) instanceof SyntaxError);
  });

  test("JSON parses as Node parses it, located where JSON.parse stopped", async () => {
    assert.equal(await check({ "d.json": '\ufeff{ "a": 1 }' }, "json"), undefined);
    const error = await check({ "d.json": '{\n  "a": 1,\n}\n' }, "json");
    assert.ok(error instanceof SyntaxError);
    assert.equal(await where(error), "d.json:3:1");
  });

  test(".cts is stripped as Node strips it, without the stripper's experimental warning", async () => {
    const warnings: string[] = [];
    const listen = (warning: Error): void => void warnings.push(warning.message);
    process.on("warning", listen);
    try {
      assert.equal(await check({ "t.cts": "const a: number = 1;\nmodule.exports = a;" }, "commonjs-typescript"), undefined);
      const error = await check({ "t.cts": "const a: number = (1;\n" }, "commonjs-typescript");
      assert.ok(error instanceof SyntaxError);
      assert.match(await where(error), /^t\.cts:1:\d+$/);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listen);
    }
    assert.deepEqual(
      warnings.filter((w) => w.includes("stripTypeScriptTypes")),
      [],
    );
  });

  test("ES modules, and TypeScript another loader compiles to CommonJS (tsx), are not checked here", async () => {
    assert.equal(await check({ "a.mjs": "export const a = (1;" }, "module"), undefined);
    assert.equal(await check({ "a.ts": "const a = (1;" }, "commonjs"), undefined);
  });

  test("while another loader compiles CommonJS, a .js or .cjs file, and a new file its leading require()s name, goes to the require.extensions entry Node would pick, run as a compilation only", async () => {
    const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
    const own = extensions[".js"];
    const compiled: string[] = [];
    // A loader's .js entry, as tsx's reads the file itself and hands its code to module._compile().
    extensions[".fake"] = () => undefined;
    extensions[".js"] = (module: { _compile(code: string, file: string): void }, file: string) => {
      compiled.push(file.replace(/^.*\//, ""));
      module._compile(readFileSync(file, "utf8"), file);
    };
    try {
      const error = await check({ "routes.js": 'exports.hello = () => {\n  return String("v2";\n};\n' });
      assert.ok(error instanceof SyntaxError);
      assert.equal(await where(error), "routes.js:2:17");
      assert.equal(await check({ "a.cjs": "module.exports = 1;" }, "commonjs"), undefined);
      assert.ok((await check({ "b.cjs": "module.exports = (1;" }, "commonjs")) instanceof SyntaxError);
      assert.deepEqual(compiled, ["routes.js", "a.cjs", "b.cjs"]);
      // What its leading require()s name must exist, and a file new to the program goes to its
      // loader's entry too (the loader's own extension included).
      const missing = await check({ "c.js": 'const d = require("./missing.js");\n' });
      assert.match(String(missing?.message), /^Cannot find module '\.\/missing\.js'$/);
      assert.equal(await where(missing), "c.js:1:19");
      const fakes: string[] = [];
      extensions[".fake"] = (module: { _compile(code: string, file: string): void }, file: string) => {
        fakes.push(file.replace(/^.*\//, ""));
        module._compile(readFileSync(file, "utf8"), file);
      };
      assert.equal(await check({ "d.js": 'require("./e.fake");', "e.fake": "module.exports = 1;" }), undefined);
      assert.equal(await where(await check({ "f.js": 'require("./g.fake");', "g.fake": "module.exports = (1;" })), "g.fake:1:20");
      assert.deepEqual(fakes, ["e.fake", "g.fake"]);
      // Node's own entry: it reads the file through the module hooks, and leaves ES module syntax
      // in a typeless file to Node.
      extensions[".js"] = own;
      assert.equal(await where(await check({ "c.js": "module.exports = {\n  a: (1\n};\n" })), "c.js:3:1");
      assert.equal(await check({ "d.js": 'export const d = "ES module syntax";' }), undefined);
      assert.equal(await check({ "e.json": "{}" }, "json"), undefined);
      assert.equal(await where(await check({ "f.json": '{ "a": 1, }' }, "json")), "f.json:1:11");
      assert.equal(compiling, 10);
    } finally {
      extensions[".js"] = own;
      delete extensions[".fake"];
    }
  });

  test("a relative file a leading require() names must exist: the error points at its specifier", async () => {
    const error = await check({ "a.js": '"use strict";\nconst fs = require("node:fs");\nconst { b } = require("./missing.js");\n' });
    assert.match(String(error?.message), /^Cannot find module '\.\/missing\.js'$/);
    assert.equal(await where(error), "a.js:3:23");
    assert.equal((error as Error & { url?: string }).url, pathToFileURL(join(root, String(folders - 1), "missing.js")).href);
    // A .cts file's, read in the code Node's type stripping leaves (every offset kept).
    const typed = await check({ "t.cts": 'const b: string = require("./missing.js");\n' }, "commonjs-typescript");
    assert.match(String(typed?.message), /^Cannot find module '\.\/missing\.js'$/);
    assert.equal(await where(typed), "t.cts:1:27");
  });

  test("a file required for the first time must compile too, and what it requires first, down the chain", async () => {
    assert.equal(await check({ "a.js": 'require("./b.js");', "b.js": 'module.exports = require("./c.json");', "c.json": "{}" }), undefined);
    assert.equal(await where(await check({ "a.js": 'require("./b.js");', "b.js": "module.exports = (;" })), "b.js:1:19");
    assert.equal(
      await where(
        await check({ "a.js": 'exports.b = require("./b.js").b;', "b.js": 'module.exports = require("./c.json");', "c.json": "{,}" }),
      ),
      "c.json:1:2",
    );
    // Already loaded (and not changed): its content is not what runs.
    assert.equal(await check({ "a.js": 'require("./b.js");', "b.js": "module.exports = (;" }, undefined, ["b.js"]), undefined);
  });

  test("a require() after another kind of statement, or in a function, a condition or a try, is not checked (it may not run)", async () => {
    assert.equal(await check({ "a.js": 'if (process.env.X) return;\nrequire("./missing.js");' }), undefined);
    assert.equal(await check({ "a.js": 'try { require("./missing.js"); } catch {}' }), undefined);
    assert.equal(await check({ "a.js": 'const load = () => require("./missing.js");' }), undefined);
    assert.equal(await check({ "a.js": 'const x = 1;\nrequire("./missing.js");' }), undefined);
    // A package name is not checked (a loader may map it).
    assert.equal(await check({ "a.js": 'require("not-installed-anywhere");' }), undefined);
  });

  test("a save whose require() calls all name loaded files is answered as the parse of its leading statements answers it", async () => {
    const loaded = ["b.js", "c.js"];
    const files = { "b.js": "module.exports = (;", "c.js": "module.exports = (;" };
    for (const source of [
      // Plain calls of loaded files, and a package: nothing to check (without a parse).
      'const b = require("./b.js");\nconst c = require("./c.js");\nrequire("express");',
      // A plain call of a missing file in a comment or a function: the parse finds it is not a leading one.
      'require("./b.js");\n// require("./missing.js")\nfunction f() { require("./gone.js"); }',
    ])
      assert.equal(await check({ "a.js": source, ...files }, undefined, loaded), undefined, source);
    // What no pattern reads as a plain call is parsed: a comment in the call, an escaped name.
    for (const call of ['require /* why */ ("./missing.js")', 'requir\\u0065("./missing.js")']) {
      const error = await check({ "a.js": `require("./b.js");\n${call};\n`, ...files }, undefined, loaded);
      assert.match(String(error?.message), /^Cannot find module '\.\/missing\.js'$/, call);
    }
    // A leading require() of a file not loaded yet is still checked, among loaded ones.
    assert.equal(
      await where(await check({ "a.js": 'require("./b.js");\nrequire("./d.js");', ...files, "d.js": "(;" }, undefined, loaded)),
      "d.js:1:2",
    );
  });
});

describe("which old CommonJS versions go before the new ES versions link", () => {
  const early = (invalidated: string[], esm: string[], edges: string[]): string[] => {
    const importers = (id: string): string[] => edges.filter((e) => e.endsWith(` -> ${id}`)).map((e) => e.split(" -> ")[0]!);
    return [...disposedBeforeLinking(invalidated, (id) => esm.includes(id), importers)].sort();
  };

  test("a CommonJS module a re-evaluated ES module imports, and what it requires in turn", () => {
    assert.deepEqual(early(["m.mjs", "a.cjs", "b.cjs"], ["m.mjs"], ["m.mjs -> a.cjs", "a.cjs -> b.cjs"]), ["a.cjs", "b.cjs"]);
  });

  test("not one that only CommonJS requires, nor one imported by an ES module the update does not re-evaluate", () => {
    // server.js requires util.mjs (require of an ES module): a syntax error in util.mjs must
    // leave server.js running, so server.js is disposed at the gate.
    assert.deepEqual(early(["util.mjs", "server.js"], ["util.mjs"], ["server.js -> util.mjs"]), []);
    assert.deepEqual(early(["a.cjs"], [], ["m.mjs -> a.cjs"]), []);
    assert.deepEqual(early(["a.cjs", "routes.js"], [], ["routes.js -> a.cjs"]), []);
  });
});
