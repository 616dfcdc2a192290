import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { blamedFile, isUnresolved, upwards, withoutBlamed, type Blame } from "../../src/engine/failure/blame.js";

const url = (name: string): string => `file:///app/${name}`;
const path = (name: string): string => `/app/${name}`;
const fileOf = (id: string): string => id.replace("file://", "");

/** What an update of each module alone re-evaluates (module name → names), as propagation says. */
function plans(table: Readonly<Record<string, readonly string[] | undefined>>): (id: string) => readonly string[] | undefined {
  return (id) => table[id.slice(url("").length)]?.map(url);
}

describe("blamedFile", () => {
  test("a link error blames the module it names, not the importer it is located in", () => {
    const error = new SyntaxError("The requested module './dep.mjs' does not provide an export named 'x'");
    assert.equal(blamedFile(error, path("sub/a.mjs")), path("sub/dep.mjs"));
    const up = new SyntaxError("The requested module '../lib/dep.mjs' does not provide an export named 'x'");
    assert.equal(blamedFile(up, path("sub/a.mjs")), path("lib/dep.mjs"));
  });

  test("any other error, or a link error naming a package, blames the file it is located in", () => {
    assert.equal(blamedFile(new Error("boom"), path("a.mjs")), path("a.mjs"));
    assert.equal(blamedFile(new SyntaxError("Unexpected token"), path("a.mjs")), path("a.mjs"));
    const pkg = new SyntaxError("The requested module 'lodash-es' does not provide an export named 'x'");
    assert.equal(blamedFile(pkg, path("a.mjs")), path("a.mjs"));
  });
});

describe("upwards", () => {
  test("a module that was in the graph before is its own only anchor", () => {
    assert.deepEqual([...upwards(url("a.mjs"), new Map())], [url("a.mjs")]);
  });

  test("a module imported for the first time leads up to the modules that were there before", () => {
    // new1 <- new2 <- {old, new3}; new3 <- old2; cycles among new modules end the walk.
    const first = new Map([
      [url("new1.mjs"), [url("new2.mjs")]],
      [url("new2.mjs"), [url("old.mjs"), url("new3.mjs")]],
      [url("new3.mjs"), [url("old2.mjs"), url("new2.mjs")]],
    ]);
    assert.deepEqual(
      new Set(upwards(url("new1.mjs"), first)),
      new Set(["new1", "new2", "new3", "old", "old2"].map((n) => url(`${n}.mjs`))),
    );
  });
});

describe("withoutBlamed", () => {
  const blame = (file: string, anchors: readonly string[]): Blame => ({ file: path(file), anchors: new Set(anchors.map(url)) });
  const changed = ["a.mjs", "b.mjs", "c.mjs"].map(url);

  test("a changed file to blame is held back alone", () => {
    const rest = withoutBlamed(changed, blame("b.mjs", ["b.mjs"]), fileOf, () => assert.fail("plans are not needed"));
    assert.deepEqual(rest, [url("a.mjs"), url("c.mjs")]);
  });

  test("a failure in a module that did not change holds back the changed modules whose update re-evaluates it", () => {
    // index.mjs failed (it imports a deleted file); a and b reach it, c is accepted below it.
    const invalidated = plans({ "a.mjs": ["a.mjs", "index.mjs"], "b.mjs": ["b.mjs", "mid.mjs", "index.mjs"], "c.mjs": ["c.mjs"] });
    assert.deepEqual(withoutBlamed(changed, blame("index.mjs", ["index.mjs"]), fileOf, invalidated), [url("c.mjs")]);
  });

  test("a module imported for the first time blames the changed modules above it", () => {
    // new.mjs, first imported by a's new version, does not parse: a (anchor through it) is held back.
    const invalidated = plans({ "a.mjs": ["a.mjs"], "b.mjs": ["b.mjs"], "c.mjs": ["c.mjs"] });
    assert.deepEqual(withoutBlamed(changed, blame("new.mjs", ["new.mjs", "a.mjs"]), fileOf, invalidated), [url("b.mjs"), url("c.mjs")]);
  });

  test("nothing leads to the failure: every module stays (the caller stops), and one that cannot be applied alone is held back", () => {
    const invalidated = plans({ "a.mjs": ["a.mjs"], "b.mjs": undefined, "c.mjs": ["c.mjs"] });
    assert.deepEqual(withoutBlamed(changed, blame("x.mjs", ["x.mjs"]), fileOf, invalidated), [url("a.mjs"), url("c.mjs")]);
  });
});

test("isUnresolved tells Node's missing-module and folder-import errors from others", () => {
  assert.equal(isUnresolved(Object.assign(new Error("Cannot find module"), { code: "ERR_MODULE_NOT_FOUND" })), true);
  assert.equal(isUnresolved(Object.assign(new Error("Directory import"), { code: "ERR_UNSUPPORTED_DIR_IMPORT" })), true);
  assert.equal(isUnresolved(new Error("Cannot find module")), false);
  assert.equal(isUnresolved(undefined), false);
});
