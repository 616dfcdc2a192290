#!/usr/bin/env node
// Bundles the loader's start-up path into one file, after tsc: dist/loader/hooks.js (what
// `--import hotload` loads through loader/index.js) is replaced by itself with every hotload module
// it imports inlined. Packages (chokidar, acorn, ...) stay imports, loaded when they are needed.
// dist/loader/index.js itself gets its version check inlined the same way (hooks.js stays a
// dynamic import after the check).
//
// Why: Node's ES module loader costs about as much per module as the code of a small module
// itself; the ~19 modules of the start-up path cost ~2x what one file with the same code does,
// before the program's first line (see bench/README.md, start-up). Everything else in dist/ stays
// as tsc emitted it (hotload/api, the command, the unit tests import those).
//
// The bundle moves code to dist/loader/: a module that finds files relative to its own
// import.meta.url would find the wrong ones. The modules known to use it (and fine with it) are
// listed; any other one fails the build.
//
// It also writes package.json's engines.node into dist/src/shared/node-version.js, where the
// loader's Node check reads it without reading a file at start-up (see that module).
//
// Usage: node scripts/bundle.mjs (run by `npm run build`, `npm test` and the package build after tsc).

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = path.join(root, "dist", "loader", "hooks.js");
// The engine: a bundle of its own, which the start-up bundle loads once the program has started
// (see loader/lazy-engine.ts). Same folder, same modules allowed to use import.meta.url.
const engineEntry = path.join(root, "dist", "loader", "engine.js");
// The edits of first loads, which the start-up bundle loads when the first module that mentions
// `meta` loads (see loader/first-load-edit.ts): the lexer and magic-string stay out of it.
const editorEntry = path.join(root, "dist", "loader", "first-load-edit.js");
// hooks.js: its package folder is dist/.. either way; report.js: filters hotload's own stack frames
// (now in dist/loader); commonjs.js and source/*: createRequire, only to require packages (found
// from dist/loader as from dist/src).
const META_URL_OK = new Set([
  "dist/loader/hooks.js",
  "dist/src/engine/failure/report.js",
  "dist/src/engine/commonjs/commonjs.js",
  "dist/src/source/lexer.js",
  "dist/src/source/sourcemap.js",
]);
// Packages put into the start-up file instead of being imported from node_modules: magic-string
// makes the edit that gives a module import.meta.hot, so nearly every hot program loads it at
// start-up; from its package that took 10-40 ms (resolution, its exports map, two modules, each
// through the hooks), bundled and minified well under one. Minified: of this code, only its
// results are read (hotload's own code stays as written, for its stack traces).
// es-module-lexer likewise: its WebAssembly is compiled on the first parse, not when it loads.
// Nothing shipped imports these from node_modules, so they are devDependencies. acorn and
// @jridgewell/remapping stay dependencies, required from node_modules only on rare paths (a source the
// lexer cannot read, an edit that moves a column): inlined, every start would compile them.
const INLINED = /^(?:magic-string|@jridgewell\/sourcemap-codec|es-module-lexer)$/;
const INLINED_FILE = /[\\/]node_modules[\\/](?:magic-string|@jridgewell[\\/]sourcemap-codec|es-module-lexer)[\\/].*\.m?js$/;
// Not in that file: in-place updates tell hotload's wrappers from the rest of its code by the folder
// of their file (src/inplace/owner.ts). They are bundled on their own into dist/src/inplace/inplace.js,
// which stays in that folder (the code it inlines from elsewhere, pure helpers and the log, calls
// no timer or listener of its own).
const UNBUNDLED = /\/src\/inplace\/inplace\.js$/;
const LATER_META_URL_OK = new Set([...META_URL_OK].filter((f) => f !== "dist/loader/hooks.js"));
const inPlaceEntry = path.join(root, "dist", "src", "inplace", "inplace.js");
// The `--import` entry itself, with the version check it imports inlined: one module fewer before
// the hooks load (each costs its resolution, read and compile, ~1 ms). It imports the hooks (or
// files-only.js) dynamically, after the check, and must stay runnable on any Node version.
const indexEntry = path.join(root, "dist", "loader", "index.js");

/** es-module-lexer's file with its WebAssembly inline, the one the bundle inlines. */
const LEXER_FILE = /[\\/]es-module-lexer[\\/]dist[\\/]lexer\.js$/;

/**
 * es-module-lexer's code with the initial memory of its WebAssembly cut from 258 pages (16 MB, the
 * linker's default) to 2, above its static data. V8 counts a WebAssembly memory towards the heap's
 * growth: those 16 MB, taken when the first module that mentions `import.meta` is lexed at
 * start-up, started a full garbage collection of the program's heap (1,000 modules: about 50 M
 * instructions, a third of hotload's start-up cost there; cachegrind). The lexer grows its memory
 * itself as a source needs it (before each parse, and for its records while parsing), so what it
 * returns does not change: every .js/.mjs/.cjs/.ts file in node_modules, src and test (3,667, 23 MB)
 * lexed the same, as did 300,000 exports and 200,000 imports in one source. Throws when the module
 * is not found as expected (a new version of the lexer): the build fails rather than ship 16 MB.
 */
export function smallLexerMemory(code) {
  const inline = /"(AGFzbQ[A-Za-z0-9+/]+=*)"/g;
  const found = [...code.matchAll(inline)];
  if (found.length !== 1) throw new Error(`es-module-lexer: expected one inline WebAssembly module, found ${found.length}`);
  const wasm = Buffer.from(found[0][1], "base64");
  // Sections: id, size (LEB128), content. The memory section (5): one memory, flags 1 (a maximum
  // follows), its minimum in pages, its maximum.
  const leb = (at) => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = wasm[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return { value, at };
    }
  };
  for (let at = 8; at < wasm.length;) {
    const id = wasm[at];
    const size = leb(at + 1);
    const end = size.at + size.value;
    if (id === 5) {
      if (wasm[size.at] !== 1 || wasm[size.at + 1] !== 1) throw new Error("es-module-lexer: expected one memory with a maximum");
      const min = leb(size.at + 2);
      if (min.value !== 258) throw new Error(`es-module-lexer: expected an initial memory of 258 pages, found ${min.value}`);
      const rest = wasm.subarray(min.at, end);
      const content = Buffer.concat([Buffer.from([1, 1, 2]), rest]);
      const patched = Buffer.concat([wasm.subarray(0, at), Buffer.from([5, content.length]), content, wasm.subarray(end)]);
      return code.replace(found[0][1], patched.toString("base64"));
    }
    at = end;
  }
  throw new Error("es-module-lexer: no memory section");
}

/**
 * Bundles; returns an error message or undefined. `sourcemap: false` for the package, which ships
 * no sources for a map to point at (scripts/build-package.mjs).
 */
export async function bundle({ sourcemap = true } = {}) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return "esbuild is not installed (npm install): dist/loader/hooks.js stays unbundled";
  }
  const one = async (file, allowed, unbundled, target = "node22", supported = undefined) => {
    const result = await esbuild.build({
      entryPoints: [file],
      outfile: file,
      allowOverwrite: true,
      bundle: true,
      format: "esm",
      platform: "node",
      target,
      supported,
      sourcemap,
      metafile: true,
      write: false,
      logLevel: "silent",
      plugins: [
        ...(unbundled
          ? [
              {
                name: "unbundled",
                setup: (build) => build.onResolve({ filter: unbundled }, (args) => ({ path: args.path, external: true })),
              },
            ]
          : []),
        {
          // What `packages: 'external'` does, except for the packages inlined on purpose.
          name: "packages",
          setup: (build) => {
            build.onResolve({ filter: /^[^./]/ }, (args) =>
              INLINED.test(args.path) || args.path.startsWith("node:") ? undefined : { path: args.path, external: true },
            );
            build.onLoad({ filter: INLINED_FILE }, async (args) => {
              const code = readFileSync(args.path, "utf8");
              return {
                contents: (
                  await esbuild.transform(LEXER_FILE.test(args.path) ? smallLexerMemory(code) : code, {
                    minify: true,
                    format: "esm",
                    loader: "js",
                    target: "node22",
                  })
                ).code,
                loader: "js",
              };
            });
          },
        },
      ],
      absWorkingDir: root,
    });
    const moved = Object.keys(result.metafile.inputs).filter(
      (f) =>
        !f.includes("node_modules/") &&
        !allowed.has(f) &&
        /import\.meta\.(url|dirname|filename)/.test(withoutComments(readFileSync(path.join(root, f), "utf8"))),
    );
    if (moved.length)
      return `${moved.join(", ")} use import.meta.url and would run from ${path.relative(root, file)}: list them in scripts/bundle.mjs once they work from there`;
    // Written only now: the check above reads the inputs, one of which is the file replaced.
    for (const out of result.outputFiles) writeFileSync(out.path, out.contents);
    return undefined;
  };
  // In-place updates as a second file that stays in its folder, for the reason above.
  // The Node range first: dist/loader/index.js inlines node-version.js.
  return (
    stampNodeRange() ??
    (await one(entry, META_URL_OK, UNBUNDLED)) ??
    (await script(esbuild, entry)) ??
    (await one(engineEntry, LATER_META_URL_OK, UNBUNDLED)) ??
    (await script(esbuild, engineEntry)) ??
    (await one(editorEntry, LATER_META_URL_OK, UNBUNDLED)) ??
    (await script(esbuild, editorEntry)) ??
    (await one(inPlaceEntry, new Set(["dist/src/inplace/owner.js"]), undefined)) ??
    (await script(esbuild, inPlaceEntry)) ??
    // node16: older than any supported Node, so that an unsupported one still reads the file.
    // node-version.js reads package.json by import.meta.url only when the build did not stamp it:
    // stamped just above, so that never runs from dist/loader.
    // Its import() keeps its second argument (import attributes, for new versions of JSON modules;
    // see src/shared/dynamic-import.ts), which Node has parsed since 16.14.
    (await one(
      indexEntry,
      new Set(["dist/src/shared/node-version.js", "dist/loader/index.js"]),
      /^\.\/(?:hooks|files-only)\.js$/,
      "node16",
      { "import-attributes": true },
    ))
  );
}

/**
 * dist/loader/hooks.cjs (and dist/src/inplace/inplace.cjs): a bundle again, as the body of a function that loader/code-cache.ts
 * compiles with vm.Script, from V8's code cache when it has one (a script can be cached; an ES
 * module cannot). Its imports become require() calls, import.meta.url the wrapper's
 * `__hotloadUrl`; dynamic import() stays (the script uses the main context's loader). Any other
 * use of import.meta fails the build: a script has none. Returns an error message or undefined.
 */
async function script(esbuild, bundled) {
  const result = await esbuild.transform(readFileSync(bundled, "utf8"), {
    format: "cjs",
    loader: "js",
    platform: "node",
    target: "node22",
    define: { "import.meta.url": "__hotloadUrl" },
    logLevel: "silent",
  });
  const out = bundled.replace(/\.js$/, ".cjs");
  if (result.warnings.length > 0) return `${path.relative(root, out)}: ${result.warnings.map((w) => w.text).join("; ")}`;
  // What the cache was made from (V8 itself compares only the source's length): line 1 names the
  // content, so that a cache of another build is never used, whatever the files' sizes and times.
  // ASCII only: one character outside it makes V8 hold the whole source as two-byte text, to
  // decode and keep (a "…" in a comment cost the in-place bundle that at every start). An escape
  // means the same in a string, template, regular expression or identifier; a comment only reads.
  const code = result.code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 32);
  writeFileSync(out, `// hotload script build ${hash}\n${code}`);
  return undefined;
}

/** Writes package.json's engines.node into the compiled node-version.js; returns an error message or undefined. */
function stampNodeRange() {
  const file = path.join(root, "dist", "src", "shared", "node-version.js");
  const range = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).engines?.node;
  if (typeof range !== "string" || range === "") return "package.json has no engines.node to write into node-version.js";
  const code = readFileSync(file, "utf8");
  const slot = /const ENGINES_NODE_STAMP = "[^"]*";/;
  if (!slot.test(code)) return `${path.relative(root, file)} has no ENGINES_NODE_STAMP to write the Node range into`;
  writeFileSync(file, code.replace(slot, `const ENGINES_NODE_STAMP = ${JSON.stringify(range)};`));
  return undefined;
}

/** The code of a compiled module without its comments (tsc keeps them; good enough for a search). */
function withoutComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const error = await bundle();
  if (error) {
    console.error(`[bundle] ${error}`);
    process.exitCode = 1;
  }
}
