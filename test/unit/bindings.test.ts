import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allAccepted,
  ALL,
  importedForSideEffects,
  importsOnlyAccepted,
  mutatesImport,
  reExports,
  namesImportedBy,
} from "../../src/source/bindings.js";

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
    assert.deepEqual(names('import {\n  a, // the first\n  "string name" as s,\n} from "./x.mjs" with { type: "json" }'), [
      "a",
      "string name",
    ]);
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
    assert.equal(all("const m = await import(name);"), true);
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

describe("mutatesImport: what an entry registers on the modules it imports as it evaluates", () => {
  const entry = "file:///app/server.mjs";
  const app = "file:///app/app.mjs";
  const mutates = (source: string): boolean => mutatesImport(source, entry, app);
  test("a top-level method call with a function among its arguments, or an assignment to a property", () => {
    assert.equal(mutates('import { app } from "./app.mjs";\napp.get("/", (req, res) => res.send("home"));\n'), true);
    assert.equal(mutates('import { app } from "./app.mjs";\napp.listen(3000, function () {});\n'), true);
    assert.equal(mutates('import { server as app } from "./app.mjs";\napp.locals.title = "x";\n'), true);
    for (const registers of [
      "register(() => {})",
      "register(function a() {})",
      "register(handle)",
      "registry.addObj(new Handler())",
      "registry.addClass(Handler)",
      "registry.addClass(class {})",
      "registry.add(Task)",
    ])
      assert.equal(
        mutates(
          `import { register, registry } from "./app.mjs";\nfunction handle() {}\nclass Handler extends Base {}\nconst Task = class {};\n${registers};\n`,
        ),
        true,
        registers,
      );
    for (const change of ['routes.push("/")', 'cfg.plugins.push("p")', 'cache.set("k", 1)', "seen.add(id)", "queue.length = 0"])
      assert.equal(mutates(`import { routes, cfg, cache, seen, queue } from "./app.mjs";\n${change};\n`), true, change);
    for (const use of ['cache.get("k")', "routes.includes(id)", "routes.slice(1)", "log(routes.length)", 'cfg.plugins.join(",")'])
      assert.equal(mutates(`import { routes, cfg, cache } from "./app.mjs";\n${use};\n`), false, use);
    for (const update of ["state.count++", "state.count += 2", "state.hits[0]--", "state.cache ??= new Map()", "state.flags |= 4"])
      assert.equal(mutates(`import { state } from "./app.mjs";\n${update};\n`), true, update);
    for (const read of ["state.count >= 2", "state.count == 2", "state.count <= 2", "state.count != 2", "state.count - -1"])
      assert.equal(mutates(`import { state } from "./app.mjs";\nif (${read}) log();\n`), false, read);
    assert.equal(
      mutates('import * as shared from "./app.mjs";\nimport routes from "./routes.mjs";\nshared.app?.use("/api", routes);\n'),
      true,
    );
    assert.equal(mutates('import make, { app } from "./app.mjs";\nfunction home(req, res) {}\napp["get"]("/", home);\n'), true);
    assert.equal(
      mutates('import { app } from "./app.mjs";\nif (process.env.DEBUG) {\n  app.use(async (req, res, next) => next());\n}\n'),
      true,
    );
  });

  test("using an import (a query, a read, a call of its own, a listener), or anything in a function, registers nothing", () => {
    assert.equal(
      mutates('import { pool } from "./app.mjs";\nconst sql = "select 1";\nawait pool.query(sql);\nawait pool.migrate();\n'),
      false,
    );
    assert.equal(mutates('import { config } from "./app.mjs";\nlisten(config.port);\nif (config.debug === true) log();\n'), false);
    assert.equal(mutates('import { start } from "./app.mjs";\nstart(handler);\n'), false);
    assert.equal(mutates('import { bus } from "./app.mjs";\nbus.on("job", (id) => run(id));\nbus.emit("ready", () => {});\n'), false);
    assert.equal(
      mutates(
        'import { queue } from "./app.mjs";\ncreateServer((req, res) => {\n  queue.push(() => res.end());\n});\nsetInterval(() => queue.forEach((job) => job()), 20);\n',
      ),
      false,
    );
    assert.equal(
      mutates(
        'import { db } from "./app.mjs";\nconst query = (q) =>\n  db.run(q, () => {});\nfunction later() { db.tx(() => {}); }\nclass Repo { save() { db.tx(() => {}); } }\n// db.use(() => {})\nconst text = "db.use(() => {})";\n',
      ),
      false,
    );
    assert.equal(mutates('import { app } from "./other.mjs";\napp.get("/", () => {});\nthis.app.get("/", () => {});\n'), false);
  });

  test("CommonJS: a require() bound to a name or destructured", () => {
    const cjs = "file:///app/server.js";
    const dep = "file:///app/app.js";
    assert.equal(mutatesImport('const app = require("./app");\nconst routes = require("./routes");\napp.use(routes);\n', cjs, dep), true);
    assert.equal(mutatesImport('const { db: pool, app } = require("./app.js");\npool.use((q) => q);\n', cjs, dep), true);
    assert.equal(mutatesImport('const { app } = require("./app");\nconsole.log(app.name);\napp.listen(3000);\n', cjs, dep), false);
  });
});

describe("reExports: an index file's re-exports", () => {
  test("export * and export { … } from a module re-export it; an import of it does not", () => {
    const index = "file:///app/index.mjs";
    const dep = "file:///app/registry.mjs";
    assert.equal(reExports('export * from "./registry.mjs";\n', index, dep), true);
    assert.equal(reExports('export { routes as paths } from "./registry.mjs";\n', index, dep), true);
    assert.equal(reExports('export * as registry from "./registry";\n', index, dep), true);
    assert.equal(reExports('import { routes } from "./registry.mjs";\nexport const count = routes.length;\n', index, dep), false);
    assert.equal(reExports('export * from "./other.mjs";\n', index, dep), false);
    assert.equal(reExports('export type { Route } from "./registry.mjs";\n', index, dep), false);
  });

  test("an import that the file exports again re-exports it: import { routes } …; export { routes }", () => {
    const index = "file:///app/index.mjs";
    const dep = "file:///app/registry.mjs";
    assert.equal(reExports('import { routes } from "./registry.mjs";\nexport { routes };\n', index, dep), true);
    assert.equal(reExports('import { routes as paths, plugins } from "./registry.mjs";\nexport { paths as routes };\n', index, dep), true);
    assert.equal(reExports('import * as registry from "./registry.mjs";\nexport { registry };\n', index, dep), true);
    assert.equal(reExports('import registry from "./registry.mjs";\nexport default registry;\n', index, dep), true);
    assert.equal(reExports('import registry, { routes } from "./registry.mjs";\nexport { routes };\n', index, dep), true);
    assert.equal(
      reExports('import { routes } from "./registry.mjs";\nimport { other } from "./other.mjs";\nexport { other };\n', index, dep),
      false,
    );
    assert.equal(
      reExports(
        'import { type Route, routes } from "./registry.ts";\nexport type { Route };\n',
        "file:///app/index.ts",
        "file:///app/registry.ts",
      ),
      false,
    );
  });
});
