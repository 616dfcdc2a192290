import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as api from "../../src/api.js";
import { HotContext, type HotHost } from "../../src/engine/hot/hot.js";
import { ModuleGraph } from "../../src/engine/modules/graph.js";
import { HotloadError, type HotloadErrorCode } from "../../src/shared/errors.js";

/** Asserts that `run` throws a HotloadError with `code` and exactly `message`. */
function throwsHotload(run: () => unknown, code: HotloadErrorCode, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof HotloadError, `a HotloadError, not ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    assert.equal(error.name, "HotloadError");
    return true;
  });
}

const host: HotHost = { invalidate: () => {}, listening: () => {}, addDependency: () => {} };
const context = (): HotContext => new HotContext(host, "file:///app/a.mjs", {}, (specifier) => specifier);

describe("errors users and API callers see are HotloadErrors with a code, their messages as before", () => {
  test("hotload/api outside a hotload process: not-running", () => {
    throwsHotload(() => api.graph(), "not-running", "[hotload] not running: start node with --import hotload (or use the hotload command)");
  });

  test("wrong arguments to hotload/api, swappable() and import.meta.hot: invalid-argument", () => {
    throwsHotload(
      () => api.on("change" as "update", () => {}),
      "invalid-argument",
      '[hotload] unknown event "change": the only event is "update"',
    );
    throwsHotload(() => api.swappable(42 as never), "invalid-argument", "[hotload] swappable() takes a function");
    throwsHotload(() => api.swappable(() => 1).swap("no" as never), "invalid-argument", "[hotload] swap() takes a function");
    throwsHotload(
      () => context().accept(42 as never),
      "invalid-argument",
      "[hotload] import.meta.hot.accept() takes nothing, a callback, a specifier or an array of specifiers",
    );
    throwsHotload(
      () => context().acceptExports(42 as never),
      "invalid-argument",
      "[hotload] import.meta.hot.acceptExports() takes an export name or an array of them, and an optional callback",
    );
    throwsHotload(() => context().dispose("no" as never), "invalid-argument", "[hotload] import.meta.hot.dispose() takes a callback");
    throwsHotload(() => context().prune("no" as never), "invalid-argument", "[hotload] import.meta.hot.prune() takes a callback");
  });

  test("a broken invariant of hotload's own: internal", () => {
    throwsHotload(
      () => new ModuleGraph().addEdge("file:///a.mjs", "file:///b.mjs"),
      "internal",
      "[hotload] graph: edge between unknown modules file:///a.mjs -> file:///b.mjs",
    );
  });

  test("the code and the class are part of hotload/api", () => {
    assert.equal(api.HotloadError, HotloadError);
    const error = new api.HotloadError("file-missing", "/app/a.mjs was deleted", { file: "/app/a.mjs" });
    assert.equal(error.code, "file-missing");
    assert.equal(error.file, "/app/a.mjs");
  });

  test("an error of another copy of the class (the bundled loader's) is a HotloadError too; other errors are not", async () => {
    // A second copy of the module, as the loader's bundle holds one: a fresh module instance.
    const copy = (await import(`../../src/shared/errors.js?copy=${Date.now()}`)) as typeof import("../../src/shared/errors.js");
    assert.notEqual(copy.HotloadError, HotloadError);
    const other = new copy.HotloadError("file-missing", "gone");
    assert.ok(other instanceof HotloadError);
    assert.ok(new HotloadError("internal", "x") instanceof copy.HotloadError);
    assert.ok(other instanceof Error);
    assert.equal(new Error("x") instanceof HotloadError, false);
    assert.equal(Object.keys(other).includes("code"), true);
    assert.equal(Object.getOwnPropertySymbols(other).length, 1);
  });
});
