import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cameBack, extendChain } from "../../src/engine/update/invalidation.js";

const self = (url: string) => ({ url, self: true, deps: [] });

describe("invalidation chains", () => {
  test("an invalidation outside any update starts a chain of its own", () => {
    assert.deepEqual(extendChain(undefined, "child"), ["child"]);
    assert.deepEqual(extendChain(["child"], "parent"), ["child", "parent"]);
  });

  test("an update whose boundary already invalidated in its chain has come back round a cycle", () => {
    assert.equal(cameBack(["child", "parent"], [self("child")]), "child");
    // Not only back to the first: a cycle further up the chain comes back too.
    assert.equal(cameBack(["a", "b", "c"], [self("x"), self("b")]), "b");
  });

  test("an update of a save, or whose boundaries are new to the chain, goes on", () => {
    assert.equal(cameBack(undefined, [self("child")]), undefined);
    assert.equal(cameBack(["child"], [self("parent")]), undefined);
  });
});
