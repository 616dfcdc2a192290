import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { codeFrame, findSyntaxError, locate, type Location, type Candidate } from "../../src/engine/failure/location.js";
import { injectHot } from "../../src/source/edit.js";
import { INJECTION, INJECTION_IMPORT } from "../../src/source/inject.js";
import { RUNTIME_SLOT } from "../../src/shared/urls.js";

const SOURCE = ["line one", "line two", "const broken = ;", "line four", "line five", "line six"].join("\n");

describe("codeFrame", () => {
  test("shows two lines either side, numbers them, marks the line and puts the caret under the column", () => {
    assert.equal(
      codeFrame(SOURCE, 3, 16),
      ["  1 | line one", "  2 | line two", "> 3 | const broken = ;", "    |                ^", "  4 | line four", "  5 | line five"].join(
        "\n",
      ),
    );
  });

  test("the caret sits under the character at the column", () => {
    const frame = codeFrame(SOURCE, 3, 7).split("\n");
    const marked = frame.find((l) => l.startsWith(">"))!;
    const caret = frame[frame.indexOf(marked) + 1]!;
    assert.equal(marked[caret.indexOf("^")], "b");
  });

  test("column 1 puts the caret under the first character", () => {
    const frame = codeFrame("abc", 1, 1).split("\n");
    assert.deepEqual(frame, ["> 1 | abc", "    | ^"]);
  });

  test("the first line of a file has no lines before it", () => {
    assert.equal(codeFrame(SOURCE, 1, 1), ["> 1 | line one", "    | ^", "  2 | line two", "  3 | const broken = ;"].join("\n"));
  });

  test("the last line of a file has no lines after it", () => {
    assert.equal(codeFrame(SOURCE, 6, 6), ["  4 | line four", "  5 | line five", "> 6 | line six", "    |      ^"].join("\n"));
  });

  test("line numbers are padded to the widest number shown", () => {
    const source = Array.from({ length: 12 }, (_, i) => `l${i + 1}`).join("\n");
    assert.equal(codeFrame(source, 9, 2), ["   7 | l7", "   8 | l8", ">  9 | l9", "     |  ^", "  10 | l10", "  11 | l11"].join("\n"));
  });

  test("CRLF line endings do not leak into the frame", () => {
    const frame = codeFrame("a\r\nb\r\nc", 2, 1);
    assert.ok(!frame.includes("\r"));
    assert.equal(frame, ["  1 | a", "> 2 | b", "    | ^", "  3 | c"].join("\n"));
  });
});

describe("locate on real errors", () => {
  let dir: string;
  let count = 0;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "hotload-location-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `files` into a fresh folder and returns their paths, URLs and sources as candidates. */
  function write(files: Record<string, string>, folder = `case-${++count}`): Record<string, Candidate & { path: string }> {
    const base = join(dir, folder);
    mkdirSync(base, { recursive: true });
    const out: Record<string, Candidate & { path: string }> = {};
    for (const [name, source] of Object.entries(files)) {
      const path = join(base, name);
      writeFileSync(path, source);
      out[name] = { path, url: pathToFileURL(path).href, source };
    }
    return out;
  }

  async function failure(url: string): Promise<unknown> {
    try {
      await import(url);
    } catch (error) {
      return error;
    }
    assert.fail(`import of ${url} did not fail`);
  }

  test("a syntax error, which Node reports without a location, is found by parsing the candidate's source", async () => {
    const files = write({ "syntax.mjs": "export const a = 1;\n\nconst b = ;\n" });
    const file = files["syntax.mjs"]!;
    const error = await failure(file.url);
    assert.ok(error instanceof SyntaxError);
    assert.deepEqual(withoutMessage(await locate(error, [file])), { file: file.path, line: 3, column: 11 });
  });

  test("a syntax error is found in whichever candidate does not parse", async () => {
    const files = write({ "fine.mjs": "export const a = 1;\n", "broken.mjs": 'import "./fine.mjs";\nlet x = {;\n' });
    const error = await failure(files["broken.mjs"]!.url);
    assert.deepEqual(withoutMessage(await locate(error, [files["fine.mjs"]!, files["broken.mjs"]!])), {
      file: files["broken.mjs"]!.path,
      line: 2,
      column: 10,
    });
  });

  test("a syntax error in a versioned URL is reported at the plain file", async () => {
    const files = write({ "versioned.mjs": "\n\n  return;\n" });
    const file = files["versioned.mjs"]!;
    const error = await failure(`${file.url}?hotload=3`);
    assert.deepEqual(withoutMessage(await locate(error, [{ url: `${file.url}?hotload=3`, source: file.source }])), {
      file: file.path,
      line: 3,
      column: 3,
    });
  });

  test("a missing named export (a link error) is located at the import in the importing file", async () => {
    const files = write({
      "provider.mjs": "export const yes = 1;\n",
      "consumer.mjs": '// first line\nimport { nope } from "./provider.mjs";\nconsole.log(nope);\n',
    });
    const error = await failure(files["consumer.mjs"]!.url);
    assert.deepEqual(await locate(error, [files["consumer.mjs"]!, files["provider.mjs"]!]), {
      file: files["consumer.mjs"]!.path,
      line: 2,
      column: 10,
    });
  });

  test("a missing module is located at the opening quote of the import that names it, in a versioned importer too", async () => {
    const files = write({ "importer.mjs": 'export const a = 1;\nexport { b } from "./gone.mjs";\n' });
    const file = files["importer.mjs"]!;
    const error = await failure(`${file.url}?hotload=2`);
    const gone = join(dirname(file.path), "gone.mjs");
    assert.deepEqual(await locate(error, [{ url: `${file.url}?hotload=2`, source: file.source }]), {
      file: file.path,
      line: 2,
      column: 19,
      message: `Error: Cannot find module './gone.mjs' (${gone})`,
    });
  });

  test("an import of a folder is located at the import that names it", async () => {
    const files = write({ "dir.mjs": 'export const a = 1;\nimport "./sub.mjs";\n' });
    const file = files["dir.mjs"]!;
    mkdirSync(join(dirname(file.path), "sub.mjs"));
    const error = await failure(file.url);
    assert.deepEqual(await locate(error, [file]), {
      file: file.path,
      line: 2,
      column: 8,
      message: `Error: './sub.mjs' is a folder, not a module (${join(dirname(file.path), "sub.mjs")})`,
    });
  });

  test("a missing package is located at the import that names it", async () => {
    const files = write({ "pkg.mjs": 'import "node:fs";\nconst m = await import("no-such-package-hotload/sub");\n' });
    const file = files["pkg.mjs"]!;
    const error = await failure(file.url);
    assert.deepEqual(await locate(error, [file]), {
      file: file.path,
      line: 2,
      column: 24,
      message: "Error: Cannot find package 'no-such-package-hotload/sub'",
    });
  });

  test("an error thrown while evaluating is located at its first frame in a candidate", async () => {
    const source = 'export const x = 1;\n\nfunction fail() {\n  throw new Error("boom");\n}\nfail();\n';
    const files = write({ "throws.mjs": source });
    const file = files["throws.mjs"]!;
    const error = await failure(file.url);
    assert.deepEqual(await locate(error, [file]), { file: file.path, line: 4, column: 9 });
  });

  test("an error thrown in a versioned module is located in the plain file", async () => {
    const source = "\n\nthrow new TypeError('bad');\n";
    const files = write({ "throws.mjs": source });
    const file = files["throws.mjs"]!;
    const error = await failure(`${file.url}?hotload=2`);
    assert.deepEqual(await locate(error, [file]), { file: file.path, line: 3, column: 7 });
  });

  test("frames in modules that are not candidates are skipped", async () => {
    const files = write({
      "helper.mjs": 'export function boom() {\n  throw new Error("deep");\n}\n',
      "caller.mjs": 'import { boom } from "./helper.mjs";\n\nboom();\n',
    });
    const error = await failure(files["caller.mjs"]!.url);
    assert.deepEqual(await locate(error, [files["caller.mjs"]!]), { file: files["caller.mjs"]!.path, line: 3, column: 1 });
  });

  test("an error thrown in a folder whose name contains parentheses is still located", async () => {
    const files = write({ "throws.mjs": "\nthrow new Error('x');\n" }, "copy (2)");
    const file = files["throws.mjs"]!;
    const error = await failure(file.url);
    assert.deepEqual(await locate(error, [file]), { file: file.path, line: 2, column: 7 });
  });

  test("a throw on line 1 of a transformed module is located at its column in the user's file", async () => {
    // Code that may continue on line 2, so the statement goes first and line 1 shifts.
    const source = 'if (true) throw new Error("on line 1");\n';
    const { code, shift } = injectHot(source);
    assert.equal(shift, INJECTION.length);
    const files = write({ "line1.mjs": `${code}\n${INJECTION_IMPORT}` });
    const file = files["line1.mjs"]!;
    const slot = Symbol.for(RUNTIME_SLOT);
    const global = globalThis as Record<symbol, unknown>;
    global[slot] = { hot: () => ({}) };
    try {
      const error = await failure(file.url);
      assert.deepEqual(await locate(error, [{ url: file.url, source, shift }]), {
        file: file.path,
        line: 1,
        column: source.indexOf("new Error") + 1,
      });
    } finally {
      delete global[slot];
    }
  });

  test("the injection shift applies to line 1 only", async () => {
    const error = new Error("synthetic");
    error.stack = "Error: synthetic\n    at file:///p/a.mjs?hotload=2:2:80";
    assert.deepEqual(await locate(error, [{ url: "file:///p/a.mjs", source: undefined, shift: 75 }]), {
      file: "/p/a.mjs",
      line: 2,
      column: 80,
    });
  });

  test("an swc error (@swc-node/register) is located at the caret of its report, with swc's message", async () => {
    // As @swc/core 1.16 throws it: its report and Rust's backtrace in one message.
    const report = [
      "  x Expression expected",
      "   ,-[/app/src/dep.ts:5:1]",
      " 4 | }",
      ' 5 | export const value: string = "dep v1" +;',
      "   :                                        ^",
      " 6 | export const where = 1;",
      "   `----",
      "",
      "",
      "Caused by:",
      "    Syntax Error",
      "",
      "Stack backtrace:",
      "   0: <unknown>",
      "   1: worker",
      "             at /home/iojs/build/ws/out/../deps/uv/src/threadpool.c:123:5",
    ].join("\n");
    assert.deepEqual(await locate(new Error(report), []), {
      file: "/app/src/dep.ts",
      line: 5,
      column: 40,
      message: "SyntaxError: Expression expected",
    });
    // Two-digit line numbers widen both gutters alike; a file URL names the file too.
    const wide = [
      "  x Unexpected token",
      "    ,-[file:///app/dep.ts?hotload=2:9:1]",
      "  9 | a",
      " 10 | let x = );",
      "    :         ^",
      "    `----",
    ].join("\n");
    assert.deepEqual(await locate(new Error(wide), []), {
      file: "/app/dep.ts",
      line: 10,
      column: 9,
      message: "SyntaxError: Unexpected token",
    });
  });

  test("an error that points nowhere gives no location", async () => {
    assert.equal(await locate(new Error("no frames in candidates"), []), undefined);
    assert.equal(await locate("not an error", [{ url: "file:///x.mjs", source: "ok;" }]), undefined);
  });

  test("a syntax error in a candidate that parses gives no location", async () => {
    assert.equal(await locate(new SyntaxError("elsewhere"), [{ url: "file:///x.mjs", source: "export {};" }]), undefined);
  });
});

/** A re-parsed syntax error also says what is wrong in the file itself: check it, then compare the rest. */
function withoutMessage(location: Location | undefined): Omit<Location, "message"> | undefined {
  if (!location) return location;
  const { message, ...rest } = location;
  assert.match(message ?? "", /^SyntaxError: \S/);
  return rest;
}

describe("findSyntaxError on a file last loaded as CommonJS", () => {
  test("a typeless .js file with ES module syntax has none (Node loads it as an ES module)", async () => {
    assert.equal(await findSyntaxError("export default 1;\n", "file:///app/dep.js?hotload=2", "commonjs"), undefined);
  });
  test("a typeless .js file that parses neither way keeps its CommonJS error", async () => {
    const found = await findSyntaxError("export default (;\n", "file:///app/dep.js", "commonjs");
    assert.equal(found?.file, "/app/dep.js");
    assert.equal(found?.line, 1);
  });
  test("a .cjs file with ES module syntax is an error", async () => {
    const found = await findSyntaxError("export default 1;\n", "file:///app/dep.cjs", "commonjs");
    assert.match(found?.message ?? "", /sourceType: module/);
  });
});
