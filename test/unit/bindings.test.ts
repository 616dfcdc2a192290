import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allAccepted, ALL, importedForSideEffects, importsOnlyAccepted, mutatesImport, namesImportedBy } from "../../src/source/bindings.js";

const names = (statement: string): string[] | undefined => {
  const found = namesImportedBy(statement);
  return found && [...found].sort();
};

describe("which exports an import statement uses (Vite's importedBindings)", () => {
  test("default, named (by their exported name), namespace and side-effect imports", () => {
    assert.deepEqual(names('import d from "./x.mjs"'), ["default"]);
    assert.deepEqual(names('import { a, b as c, default as e } from "./x.mjs"'), ["a", "b", "default"]);
    assert.deepEqual(names('import d, { a } from "./x.mjs"'), ["a", "default"]);
    assert.deepEqual(names('import * as ns from "./x.mjs"'), [ALL]);
    assert.deepEqual(names('import d, * as ns from "./x.mjs"'), [ALL, "default"]);
    assert.deepEqual(names('import "./x.mjs"'), []);
    assert.deepEqual(names('import {\n  a, // the first\n  "string name" as s,\n} from "./x.mjs" with { type: "json" }'), ["a", "string name"]);
  });

  test("re-exports use what they pass on; type-only imports use nothing", () => {
    assert.deepEqual(names('export { a, b as c } from "./x.mjs"'), ["a", "b"]);
    assert.deepEqual(names('export * from "./x.mjs"'), [ALL]);
    assert.deepEqual(names('export * as ns from "./x.mjs"'), [ALL]);
    assert.deepEqual(names('import type { T } from "./x.ts"'), []);
    assert.deepEqual(names('import { type T, a } from "./x.ts"'), ["a"]);
  });

  test("the namespace counts as accepted only when every export is", () => {
    assert.equal(allAccepted(new Set([ALL]), new Set(["a"]), ["a", "b"]), false);
    assert.equal(allAccepted(new Set([ALL]), new Set(["a", "b"]), ["a", "b"]), true);
    assert.equal(allAccepted(new Set([ALL]), new Set(["a", "b"]), undefined), false);
    assert.equal(allAccepted(new Set(["a"]), new Set(["a"]), undefined), true);
    assert.equal(allAccepted(new Set(), new Set(), undefined), true);
  });
});

describe("importsOnlyAccepted on real sources", () => {
  const dep = "file:///app/dep.mjs";
  const depSource = "export const a = 1; export const b = 2; import.meta.hot.acceptExports('a');";
  const check = (importer: string): boolean => importsOnlyAccepted(importer, "file:///app/main.mjs", depSource, dep, new Set(["a"]));

  test("named imports of accepted exports, through any relative spelling", () => {
    assert.equal(check('import { a } from "./dep.mjs";'), true);
    assert.equal(check('import { a } from "../app/dep.mjs"; import "./other.mjs";'), true);
    assert.equal(check('import { b } from "./dep.mjs";'), false);
    assert.equal(check('import { a } from "./dep.mjs"; import { b } from "./dep.mjs";'), false);
  });

  test("a dynamic import of it, or one whose specifier is computed, uses the namespace (every export)", () => {
    assert.equal(check('import { a } from "./dep.mjs"; const m = await import("./dep.mjs");'), false);
    assert.equal(check('import { a } from "./dep.mjs"; const m = await import(name);'), false);
    assert.equal(check('import { a } from "./dep.mjs"; const m = await import("./other.mjs");'), true);
  });

  test("a dynamic import of a module that accepts every export it has uses only accepted exports (Vite)", () => {
    const all = (importer: string): boolean => importsOnlyAccepted(importer, "file:///app/main.mjs", depSource, dep, new Set(["a", "b"]));
    assert.equal(all('const m = await import("./dep.mjs");'), true);
    assert.equal(all('import("./dep.mjs").then((m) => console.log(m.a, m.b));'), true);
    assert.equal(all('const m = await import(name);'), true);
    assert.equal(check('const m = await import("./dep.mjs");'), false);
  });

  test("an importer that does not import it statically (require, a package specifier) is not recognised", () => {
    assert.equal(check('const x = require("./dep.mjs");'), false);
    assert.equal(check('import { a } from "dep";'), false);
  });
});

describe("importedForSideEffects", () => {
  const importer = "file:///app/server.mjs";
  const dep = "file:///app/routes/users.mjs";
  test("a bare import is for side effects; one that names anything, or a dynamic import, is not", () => {
    assert.equal(importedForSideEffects('import "./routes/users.mjs";\n', importer, dep), true);
    assert.equal(importedForSideEffects('import { users } from "./routes/users.mjs";\n', importer, dep), false);
    assert.equal(importedForSideEffects('import "./routes/users.mjs";\nawait import("./routes/users.mjs");\n', importer, dep), false);
    assert.equal(importedForSideEffects('import "./routes/posts.mjs";\n', importer, dep), false);
    assert.equal(importedForSideEffects(undefined, importer, dep), false);
  });

  test("TypeScript spellings: no extension, or .js for a .ts file", () => {
    const ts = "file:///app/routes/users.ts";
    assert.equal(importedForSideEffects('import "./routes/users";\n', "file:///app/server.ts", ts), true);
    assert.equal(importedForSideEffects('import "./routes/users.js";\n', "file:///app/server.ts", ts), true);
    assert.equal(importedForSideEffects('import { users } from "./routes/users.js";\n', "file:///app/server.ts", ts), false);
  });
});

describe("importedForSideEffects in CommonJS", () => {
  const importer = "file:///app/server.js";
  const dep = "file:///app/routes/users.js";
  test("a require() that is a statement of its own, with or without the extension; one whose result is used is not", () => {
    assert.equal(importedForSideEffects('const app = require("./app");\nrequire("./routes/users");\n', importer, dep), true);
    assert.equal(importedForSideEffects("  require('./routes/users.js'); // the users routes\n", importer, dep), true);
    assert.equal(importedForSideEffects('const users = require("./routes/users");\n', importer, dep), false);
    assert.equal(importedForSideEffects('app.use(require("./routes/users"));\n', importer, dep), false);
  });
});

describe("mutatesImport: what an entry changes in the modules it imports", () => {
  const entry = "file:///app/server.mjs";
  const app = "file:///app/app.mjs";
  test("a method call on, or an assignment to a property of, an imported binding", () => {
    assert.equal(mutatesImport('import { app } from "./app.mjs";\napp.get("/", (req, res) => res.send("home"));\n', entry, app), true);
    assert.equal(mutatesImport('import { server as app } from "./app.mjs";\napp.locals.title = "x";\n', entry, app), true);
    assert.equal(mutatesImport('import * as shared from "./app.mjs";\nshared.app?.use(cors());\n', entry, app), true);
    assert.equal(mutatesImport('import make, { app } from "./app.mjs";\napp["get"]("/", home);\n', entry, app), true);
  });

  test("reading an import, calling it, or passing it on changes nothing", () => {
    assert.equal(mutatesImport('import { config } from "./app.mjs";\nlisten(config.port);\nif (config.debug === true) log();\n', entry, app), false);
    assert.equal(mutatesImport('import { start } from "./app.mjs";\nstart(handler);\n', entry, app), false);
    assert.equal(mutatesImport('import { app } from "./app.mjs";\nimport { home } from "./routes.mjs";\nhome.get("/");\nthis.app.get("/");\n', entry, app), false);
    assert.equal(mutatesImport('import { app } from "./other.mjs";\napp.get("/", home);\n', entry, app), false);
  });

  test("CommonJS: a require() bound to a name or destructured", () => {
    const cjs = "file:///app/server.js";
    const dep = "file:///app/app.js";
    assert.equal(mutatesImport('const app = require("./app");\napp.use(routes);\n', cjs, dep), true);
    assert.equal(mutatesImport('const { db: pool, app } = require("./app.js");\npool.on("error", log);\n', cjs, dep), true);
    assert.equal(mutatesImport('const { app } = require("./app");\nconsole.log(app.name);\n', cjs, dep), false);
  });
});
