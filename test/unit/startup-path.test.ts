/**
 * What `--import hotload` loads before the program's first line (bench/README.md, start-up): the
 * entry with its version check inlined, one bundled file of hooks (and in-place updates beside it;
 * the hooks also as a script, run from V8's code cache: loader/code-cache.ts),
 * no ES import of node:fs, and the update path only when an update needs it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse } from "es-module-lexer";
import { loadUpdatePath, updatePath } from "../../src/engine/update/update-path.js";

/** The repository root: this file runs as dist/test/unit/startup-path.test.js. */
const ROOT = new URL("../../../", import.meta.url);
const hooks = (): string => readFileSync(new URL("dist/loader/hooks.js", ROOT), "utf8");
const staticImports = (code: string): string[] => [...code.matchAll(/^import\s[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]!);

describe("the start-up path", () => {
  test("dist/loader/hooks.js is one file: it imports Node builtins and, of hotload's, only in-place updates (which find their own frames by folder)", () => {
    const imports = staticImports(hooks());
    assert.ok(imports.length > 0, "no import found: has the bundle's format changed?");
    assert.deepEqual(
      imports.filter((specifier) => !specifier.startsWith("node:")),
      ["../src/inplace/inplace.js"],
    );
  });

  test("dist/loader/index.js is one file: the version check is inlined, and the hooks are imported only after it", () => {
    const index = readFileSync(new URL("dist/loader/index.js", ROOT), "utf8");
    assert.deepEqual(staticImports(index), []);
    assert.match(index, /function supportedNode\(/);
    assert.deepEqual([...index.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]).sort(), ["./files-only.js", "./hooks.js"]);
  });

  test("dist/loader/hooks.cjs is the same bundle as a script for the code cache: no import or export declaration, no import.meta", () => {
    const script = readFileSync(new URL("dist/loader/hooks.cjs", ROOT), "utf8");
    assert.deepEqual(staticImports(script), []);
    assert.doesNotMatch(script, /^export\s/m);
    assert.match(script, /require\("\.\.\/src\/inplace\/inplace\.js"\)/);
    // es-module-lexer tells code from strings and comments: import.meta only inside the code hotload
    // generates for modules (strings); one import(), dynamic-import.ts's fallback, never run there (a
    // script's own import() needs vm's experimental default-loader option, which warns): the
    // wrapper passes loader/index.js's.
    const [found] = parse(script);
    assert.deepEqual(found.filter((entry) => entry.type === "import-meta"), []);
    const dynamic = found.filter((entry) => entry.type === "dynamic");
    assert.equal(dynamic.length, 1);
    assert.match(script.slice(dynamic[0]!.importStart - 90, dynamic[0]!.importEnd), /typeof __hotloadImport === "function" \? __hotloadImport : \(specifier, options\) => import\(specifier, options\)$/);
  });

  test("node:fs is not imported as an ES module (its namespace runs fs's lazy getters)", () => {
    assert.ok(!staticImports(hooks()).includes("node:fs"));
  });

  test("the update path is there once loaded, and the same every time", async () => {
    assert.throws(() => updatePath(), /the update path was used before it was loaded/);
    const modules = await loadUpdatePath();
    assert.equal(typeof modules.propagate, "function");
    assert.equal(typeof modules.Gate, "function");
    assert.equal(typeof modules.failureReport, "function");
    assert.equal(updatePath(), modules);
    assert.equal(await loadUpdatePath(), modules);
  });
});
