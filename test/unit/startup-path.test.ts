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
    assert.deepEqual(
      found.filter((entry) => entry.type === "import-meta"),
      [],
    );
    const dynamic = found.filter((entry) => entry.type === "dynamic");
    assert.equal(dynamic.length, 1);
    assert.match(
      script.slice(dynamic[0]!.importStart - 90, dynamic[0]!.importEnd),
      /typeof __hotloadImport === "function" \? __hotloadImport : \(specifier, options\) => import\(specifier, options\)$/,
    );
  });

  test("node:fs is not imported as an ES module (its namespace runs fs's lazy getters)", () => {
    assert.ok(!staticImports(hooks()).includes("node:fs"));
  });

  test("the lexer inlined in the edits of first loads and in the engine starts with 2 pages of WebAssembly memory, not 16 MB (V8 counts it towards the heap: a full GC at start-up), and lexes as its package does; the hooks hold none", async () => {
    assert.deepEqual([...hooks().matchAll(/"(AGFzbQ[A-Za-z0-9+/]+=*)"/g)], [], "the hooks' bundle holds no lexer");
    const inlined = ["first-load-edit.js", "engine.js"].map((file) => readFileSync(new URL(`dist/loader/${file}`, ROOT), "utf8"));
    const wasm = inlined.flatMap((code) => [...code.matchAll(/"(AGFzbQ[A-Za-z0-9+/]+=*)"/g)].map((m) => m[1]!));
    assert.equal(wasm.length, 2, "one inline WebAssembly module in each, es-module-lexer's");
    assert.equal(wasm[0], wasm[1]);
    // The WebAssembly global, typed here (the DOM library that declares it is not in this build).
    const api = (
      globalThis as unknown as {
        WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: object } };
      }
    ).WebAssembly;
    const lexerWasm = new api.Instance(new api.Module(Buffer.from(wasm[0]!, "base64"))).exports as { memory: { buffer: ArrayBuffer } };
    assert.equal(lexerWasm.memory.buffer.byteLength, 2 * 65536);
    // The same patch on the package's own file (scripts/bundle.mjs), against the package: records
    // that need far more memory than 2 pages and the 4 bytes per character reserved before a parse.
    const { smallLexerMemory } = (await import(new URL("scripts/bundle.mjs", ROOT).href)) as { smallLexerMemory: (code: string) => string };
    const packaged = readFileSync(new URL("node_modules/es-module-lexer/dist/lexer.js", ROOT), "utf8");
    const small = (await import(
      `data:text/javascript,${encodeURIComponent(smallLexerMemory(packaged))}`
    )) as typeof import("es-module-lexer");
    await small.init;
    const sources = [
      `export{${Array.from({ length: 100_000 }, (_, i) => `a${i}`).join(",")}}`,
      'import"a";'.repeat(50_000),
      'import("a");import.meta.hot;'.repeat(30_000),
      'import"a"with{type:"json"};'.repeat(20_000),
      "(".repeat(3000) + ")".repeat(3000),
      readFileSync(new URL("dist/loader/hooks.js", ROOT), "utf8"),
      "export const a = 1;",
    ];
    const lexed = (lexer: typeof import("es-module-lexer"), source: string): string => {
      try {
        return JSON.stringify(lexer.parse(source));
      } catch (error) {
        return String(error);
      }
    };
    for (const source of sources)
      assert.equal(lexed(small, source), lexed({ parse } as typeof import("es-module-lexer"), source), source.slice(0, 40));
  });

  test("the packages the shipped code loads at run time are package.json's dependencies; those the bundles inline are devDependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as Record<string, Record<string, string>>;
    const dependencies = Object.keys(manifest["dependencies"]!).sort();
    const known = [...dependencies, ...Object.keys(manifest["devDependencies"]!)];
    const loaded = new Set<string>();
    const seen = new Set<string>();
    const visit = (url: URL): void => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const code = readFileSync(url, "utf8");
      // import, import(), require(), createRequire(...)(): hotload's own code is not minified.
      for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bImport\(\s*|\brequire\w*\(\s*|\)\(\s*)"([^"]+)"/g)) {
        if (specifier!.startsWith(".")) visit(new URL(specifier!, url));
        else loaded.add(known.find((name) => specifier === name || specifier!.startsWith(`${name}/`)) ?? specifier!);
      }
    };
    // The engine's and the first loads' edits' bundles are loaded by a name in a variable (loader/hooks.ts).
    const entries = ["dist/loader/index.js", "dist/loader/hooks.cjs", "dist/loader/engine.js", "dist/loader/first-load-edit.js"];
    for (const entry of [...entries, "dist/src/api.js", "dist/src/cli.js"]) visit(new URL(entry, ROOT));
    assert.deepEqual([...loaded].filter((name) => !name.startsWith("node:")).sort(), dependencies);
  });

  test("the update path is there once loaded, and the same every time", async () => {
    // A module instance of its own: the unit tests share a process, and a Runtime another file
    // made loads the shared one a second after it started.
    type Path = typeof import("../../src/engine/update/update-path.js");
    const { loadUpdatePath, updatePath } = (await import(
      `${new URL("../../src/engine/update/update-path.js", import.meta.url).href}?alone`
    )) as Path;
    assert.throws(() => updatePath(), /the update path was used before it was loaded/);
    const modules = await loadUpdatePath();
    assert.equal(typeof modules.propagate, "function");
    assert.equal(typeof modules.Gate, "function");
    assert.equal(typeof modules.failureReport, "function");
    assert.equal(updatePath(), modules);
    assert.equal(await loadUpdatePath(), modules);
  });
});
