import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { fileOf, Scope } from "../../src/engine/modules/scope.js";
import { readEnv } from "../../src/shared/env.js";

const PROJECT = resolve("/work/project");
const PACKAGE_ROOT = join(PROJECT, "tools", "hotload");
const url = (...parts: string[]): string => pathToFileURL(join(PROJECT, ...parts)).href;

describe("Scope.isHot", () => {
  const scope = new Scope(PACKAGE_ROOT);

  test("file URLs of the project outside node_modules are hot", () => {
    assert.ok(scope.isHot(url("app.mjs")));
    assert.ok(scope.isHot(url("src", "routes", "index.ts")));
    assert.ok(scope.isHot(url("src", "data.json")));
  });

  test("file URLs anywhere under a node_modules folder are not hot", () => {
    assert.ok(!scope.isHot(url("node_modules", "lodash", "index.js")));
    assert.ok(!scope.isHot(url("packages", "a", "node_modules", "b", "x.mjs")));
  });

  test("a folder whose name only contains node_modules is hot", () => {
    assert.ok(scope.isHot(url("my_node_modules", "x.mjs")));
    assert.ok(scope.isHot(url("node_modules_backup.mjs")));
  });

  test("builtins and data: URLs are not hot", () => {
    assert.ok(!scope.isHot("node:fs"));
    assert.ok(!scope.isHot("node:test"));
    assert.ok(!scope.isHot("data:text/javascript,export default 1"));
    assert.ok(!scope.isHot("https://example.com/x.mjs"));
  });

  test("hotload's own files under the package root are not hot", () => {
    assert.ok(!scope.isHot(pathToFileURL(join(PACKAGE_ROOT, "dist", "src", "engine", "runtime.js")).href));
  });

  test("a sibling folder that shares the package root's name as a prefix is hot", () => {
    assert.ok(scope.isHot(pathToFileURL(`${PACKAGE_ROOT}-fork/x.mjs`).href));
  });

  test("a package root given with a trailing separator behaves the same", () => {
    const withSep = new Scope(PACKAGE_ROOT + "/");
    assert.ok(!withSep.isHot(pathToFileURL(join(PACKAGE_ROOT, "x.js")).href));
    assert.ok(withSep.isHot(url("app.mjs")));
  });
});

describe("Scope.isOwn", () => {
  const scope = new Scope(PACKAGE_ROOT, [join(PROJECT, "generated")]);

  test("files under the package root are hotload's own", () => {
    assert.ok(scope.isOwn(pathToFileURL(join(PACKAGE_ROOT, "dist", "loader", "hooks.js")).href));
  });

  test("user files and ignored folders are not hotload's own", () => {
    assert.ok(!scope.isOwn(url("app.mjs")));
    assert.ok(!scope.isOwn(url("generated", "x.mjs")));
    assert.ok(!scope.isOwn("node:fs"));
  });
});

describe("HOTLOAD_IGNORE", () => {
  test("absolute folders listed are not hot, and neither is anything below them", () => {
    const scope = Scope.fromEnv(PACKAGE_ROOT, readEnv({ HOTLOAD_IGNORE: `${join(PROJECT, "generated")},${join(PROJECT, "vendor")}` }));
    assert.ok(!scope.isHot(url("generated", "x.mjs")));
    assert.ok(!scope.isHot(url("generated", "deep", "y.mjs")));
    assert.ok(!scope.isHot(url("vendor", "z.mjs")));
    assert.ok(scope.isHot(url("src", "a.mjs")));
    assert.ok(scope.isHot(url("generated-not", "a.mjs")));
  });

  test("relative paths are resolved against the working directory, and spaces around commas are ignored", () => {
    const scope = Scope.fromEnv(PACKAGE_ROOT, readEnv({ HOTLOAD_IGNORE: " gen-a , ,gen-b/ " }));
    assert.ok(!scope.isHot(pathToFileURL(join(process.cwd(), "gen-a", "x.mjs")).href));
    assert.ok(!scope.isHot(pathToFileURL(join(process.cwd(), "gen-b", "x.mjs")).href));
    assert.ok(scope.isHot(pathToFileURL(join(process.cwd(), "src", "x.mjs")).href));
  });

  test("a single file listed is not hot", () => {
    const file = join(PROJECT, "src", "generated.mjs");
    const scope = Scope.fromEnv(PACKAGE_ROOT, readEnv({ HOTLOAD_IGNORE: file }));
    assert.ok(!scope.isHot(pathToFileURL(file).href));
    assert.ok(scope.isHot(url("src", "other.mjs")));
  });

  test("folders whose names need URL escaping are matched", () => {
    const scope = Scope.fromEnv(PACKAGE_ROOT, readEnv({ HOTLOAD_IGNORE: join(PROJECT, "my gen#1") }));
    assert.ok(!scope.isHot(pathToFileURL(join(PROJECT, "my gen#1", "x.mjs")).href));
  });

  test("an empty or missing HOTLOAD_IGNORE leaves the project hot", () => {
    assert.ok(Scope.fromEnv(PACKAGE_ROOT, readEnv({})).isHot(url("app.mjs")));
    assert.ok(Scope.fromEnv(PACKAGE_ROOT, readEnv({ HOTLOAD_IGNORE: "" })).isHot(url("app.mjs")));
    assert.ok(!Scope.fromEnv(PACKAGE_ROOT, readEnv({})).isHot(pathToFileURL(join(PACKAGE_ROOT, "x.js")).href));
  });
});

describe("fileOf", () => {
  test("gives the path of a file URL without its version query or fragment", () => {
    const path = join(PROJECT, "src", "a.mjs");
    assert.equal(fileOf(`${pathToFileURL(path).href}?hotload=3`), path);
    assert.equal(fileOf(`${pathToFileURL(path).href}#x`), path);
  });
});
