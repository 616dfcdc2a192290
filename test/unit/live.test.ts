import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { exportsOnDisk, LiveBindings, missingExportError } from "../../src/engine/hot/live-bindings.js";
import { locate } from "../../src/engine/failure/location.js";
import { editModule } from "../../src/source/edit.js";
import { lex } from "../../src/source/lexer.js";
import { liveEdits, liveModuleSource, liveModuleUrl, type LiveName, type LiveSetter } from "../../src/source/live.js";
import { LIVE_PREFIX, liveImporterOf, RUNTIME_SLOT } from "../../src/shared/urls.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-live-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const IMPORTER = pathToFileURL(join(dir, "app.mjs")).href;

/** Applies liveEdits to `source` as edit.ts does (from the end, so offsets hold). */
function rewritten(
  source: string,
  exportsOf: (specifier: string, json: boolean) => readonly string[] | undefined = () => undefined,
): string {
  const facts = lex(source);
  assert.ok(facts);
  let out = source;
  for (const e of [...liveEdits(source, facts, IMPORTER, exportsOf)].reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The URL each import of `source` names after the rewrite. */
function specifiers(source: string): string[] {
  return lex(source)!.imports.map((entry) => entry.specifier);
}

describe("the generated live-binding module", () => {
  test("exports the imported names as bindings that the setter it registers reassigns", async () => {
    const dep = join(dir, "dep-a.mjs");
    writeFileSync(dep, 'export const a = "a1"; export default "d1"; export const other = 1;\n');
    const registered: { importer: string; dep: string; names: readonly LiveName[]; set: LiveSetter }[] = [];
    Object.defineProperty(globalThis, Symbol.for(RUNTIME_SLOT), {
      configurable: true,
      value: {
        live: (importer: string, dep: string, names: readonly LiveName[], set: LiveSetter) =>
          registered.push({ importer, dep, names, set }),
      },
    });
    try {
      const checked: LiveName[] = [{ name: "a", specifier: "./dep-a.mjs", line: 1, column: 10 }];
      // An absolute specifier: a data: module resolves only those without hotload's resolve hook.
      const url = liveModuleUrl(IMPORTER, pathToFileURL(dep).href, "", ["a", "default"], checked);
      const live = (await import(url)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(live).sort(), ["a", "default"]);
      assert.equal(live["a"], "a1");
      assert.equal(live["default"], "d1");
      assert.equal(registered.length, 1);
      assert.equal(registered[0]!.importer, IMPORTER);
      assert.equal(registered[0]!.dep, pathToFileURL(dep).href);
      assert.deepEqual(registered[0]!.names, checked);
      registered[0]!.set({ a: "a2", default: "d2" });
      assert.equal(live["a"], "a2");
      assert.equal(live["default"], "d2");
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for(RUNTIME_SLOT)];
    }
  });

  test("carries string export names and the import's attributes", () => {
    const source = liveModuleSource(IMPORTER, "./data.json", 'with { type: "json" }', ["default", "a-b"], []);
    assert.match(source, /import\*as n from"\.\/data\.json"with \{ type: "json" \};/);
    assert.match(source, /export\{\$0 as "default",\$1 as "a-b"\}/);
  });

  test("names the importer it stands for in its URL", () => {
    const url = liveModuleUrl('file:///a "quoted"/app.mjs?hotload=3', "./x.mjs", "", ["x"], []);
    assert.ok(url.startsWith(LIVE_PREFIX));
    assert.equal(liveImporterOf(url), 'file:///a "quoted"/app.mjs?hotload=3');
    assert.equal(liveImporterOf("data:text/javascript,export default 1"), undefined);
    assert.equal(liveImporterOf(undefined), undefined);
  });
});

describe("which imports get live bindings", () => {
  test("the named, default and namespace imports of an accepted dependency, and no line moves", () => {
    const source = [
      'import { handle, b as c } from "./routes.mjs";',
      "import greet from './greet.mjs';",
      'import * as ns from "./ns.mjs"; const x = 1;',
      'import { kept } from "./not-accepted.mjs";',
      'import.meta.hot.accept(["./routes.mjs", "./greet.mjs", "./ns.mjs"]);',
      "",
    ].join("\n");
    const out = rewritten(source, (specifier) => (specifier === "./ns.mjs" ? ["n1", "n2"] : undefined));
    assert.equal(out.split("\n").length, source.split("\n").length);
    const [routes, greet, ns, kept] = specifiers(out);
    assert.equal(kept, "./not-accepted.mjs");
    assert.equal(liveImporterOf(routes), IMPORTER);
    const routesSource = decodeURIComponent(routes!.slice("data:text/javascript,".length));
    assert.match(routesSource, /export\{\$0 as "handle",\$1 as "b"\}/);
    assert.match(routesSource, /"name":"handle","specifier":".\/routes.mjs","line":1,"column":10/);
    assert.match(routesSource, /"name":"b","specifier":".\/routes.mjs","line":1,"column":18/);
    assert.match(decodeURIComponent(greet!), /export\{\$0 as "default"\}/);
    assert.match(decodeURIComponent(greet!), /"name":"default","specifier":".\/greet.mjs","line":2,"column":8/);
    // A namespace import: every export of the dependency, none of them checked by name.
    assert.match(decodeURIComponent(ns!), /export\{\$0 as "n1",\$1 as "n2"\};.*,\[\],/);
    assert.ok(out.split("\n")[2]!.endsWith("; const x = 1;"));
  });

  test("an import's attributes move into the generated module, blanked in place", () => {
    const source = 'import config from "./config.json" with {\n  type: "json" };\nimport.meta.hot.accept("./config.json");\n';
    const out = rewritten(source);
    const lines = out.split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^import config from "data:[^"]*" *$/);
    assert.equal(lines[1], " ".repeat('  type: "json" }'.length) + ";");
    assert.match(decodeURIComponent(specifiers(out)[0]!), /from"\.\/config\.json" with \{\n {2}type: "json" \};/);
  });

  test("imports that keep today's bindings: side effects only, re-exports, type-only, unknown namespaces", () => {
    const source = [
      'import "./a.mjs";',
      'export { x } from "./a.mjs";',
      'import type { T } from "./a.mjs";',
      'import * as ns from "./a.mjs";',
      'import.meta.hot.accept("./a.mjs");',
    ].join("\n");
    assert.equal(rewritten(source), source);
  });

  test("a specifier written otherwise than in accept() still matches the same file", () => {
    const source = 'import { a } from "./lib/../a.mjs";\nimport.meta.hot.accept("./a.mjs");\n';
    assert.ok(liveImporterOf(specifiers(rewritten(source))[0]) !== undefined);
  });

  test("a module that accepts no dependency is not edited for it", () => {
    const source = 'import { a } from "./a.mjs";\nimport.meta.hot.accept();\n';
    const edited = editModule(source, { file: "/app.mjs", importer: IMPORTER, exportsOf: () => assert.fail("not asked") });
    assert.ok(edited);
    assert.ok(edited.code.startsWith('import { a } from "./a.mjs";'));
    assert.ok(!edited.code.includes(LIVE_PREFIX));
  });

  test("a rewritten import gets a source map only when code follows it on its line", () => {
    const edit = (source: string): string => editModule(source, { file: "/app.mjs", importer: IMPORTER, exportsOf: () => undefined })!.code;
    const accept = '\nimport.meta.hot.accept("./a.mjs");\n';
    for (const alone of [
      'import { a } from "./a.mjs";',
      'import { a } from "./a.mjs" // the dependency',
      'import { a } from "./a.mjs"; /* x */',
      'import a from "./a.json" with { type: "json" };',
    ]) {
      const source = alone + accept.replace("./a.mjs", alone.includes("json") ? "./a.json" : "./a.mjs");
      const code = edit(source);
      assert.ok(code.includes(LIVE_PREFIX), `rewritten: ${alone}`);
      assert.ok(!code.includes("sourceMappingURL"), `no map for: ${alone}`);
    }
    const followed = edit('import { a } from "./a.mjs"; console.log(a);' + accept);
    assert.ok(followed.includes(LIVE_PREFIX));
    assert.match(followed, /\/\/# sourceMappingURL=data:application\/json/);
  });

  test("editModule rewrites the import and keeps every line", () => {
    const source = 'import { a } from "./a.mjs";\nconsole.log(a);\nimport.meta.hot.accept("./a.mjs");\n';
    const edited = editModule(source, { file: "/app.mjs", importer: IMPORTER, exportsOf: () => undefined });
    assert.ok(edited);
    const lines = edited.code.split("\n");
    assert.match(lines[0]!, /^import \{ a \} from "data:text\/javascript,/);
    assert.equal(lines[1], "console.log(a);");
    assert.equal(lines[2], 'import.meta.hot.accept("./a.mjs");');
  });
});

describe("the runtime's side", () => {
  test("only the newest version of an importer is listened to", () => {
    const live = new LiveBindings();
    const seen: string[] = [];
    const names: LiveName[] = [{ name: "a", specifier: "./a.mjs", line: 1, column: 10 }];
    live.register(`${IMPORTER}?hotload=1`, "file:///a.mjs?hotload=4", names, () => seen.push("v1"), 1);
    live.register(`${IMPORTER}?hotload=2`, "file:///a.mjs", names, () => seen.push("v2"), 2);
    // A version replaced before Node finished evaluating it.
    live.register(`${IMPORTER}?hotload=1`, "file:///a.mjs", names, () => seen.push("late v1"), 2);
    const deps = ["file:///a.mjs"];
    live.assign(IMPORTER, 2, deps, new Map([["file:///a.mjs", { a: 1 }]]));
    assert.deepEqual(seen, ["v2"]);
    assert.equal(live.missing(IMPORTER, 2, deps, new Map([["file:///a.mjs", { a: 1 }]])), undefined);
    assert.deepEqual(live.missing(IMPORTER, 2, deps, new Map([["file:///a.mjs", { b: 1 }]])), { ...names[0], importer: IMPORTER });
    live.forget(IMPORTER);
    live.assign(IMPORTER, 2, deps, new Map([["file:///a.mjs", { a: 1 }]]));
    assert.deepEqual(seen, ["v2"]);
  });

  test("a missing export is reported where the import names it, as Node reports a link error", async () => {
    const source = 'const x = 1;\nimport { kept, handle } from "./routes.mjs";\n';
    const error = missingExportError({ name: "handle", specifier: "./routes.mjs", line: 2, column: 16, importer: IMPORTER }, source);
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.message, "The requested module './routes.mjs' does not provide an export named 'handle'");
    assert.deepEqual(await locate(error, []), { file: join(dir, "app.mjs"), line: 2, column: 16 });
  });

  test("a namespace's export names are read from the file when they can be", () => {
    writeFileSync(join(dir, "ns.mjs"), "export const a = 1; export function b() {}\n");
    writeFileSync(join(dir, "star.mjs"), 'export const a = 1; export * from "./ns.mjs";\n');
    assert.deepEqual(exportsOnDisk("./ns.mjs", IMPORTER, false), ["a", "b"]);
    assert.equal(exportsOnDisk("./star.mjs", IMPORTER, false), undefined);
    assert.equal(exportsOnDisk("./missing.mjs", IMPORTER, false), undefined);
    assert.equal(exportsOnDisk("./legacy.cjs", IMPORTER, false), undefined);
    assert.equal(exportsOnDisk("pkg", IMPORTER, false), undefined);
    assert.deepEqual(exportsOnDisk("./x.json", IMPORTER, true), ["default"]);
  });
});
