/**
 * The runtime object user code can reach through the global slot (source/inject.ts): its graph
 * and versions stay inside; what it shows of them is a copy.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { FakeNode } from "../helpers/fake-node.js";

let node: FakeNode | undefined;
afterEach(() => node?.close());

describe("the runtime in the global slot", () => {
  test("has no graph or versions to change: no own property, none on its prototype", () => {
    const { runtime } = (node = new FakeNode({ "app.mjs": {} }));
    assert.deepEqual(Object.getOwnPropertyNames(runtime), []);
    for (const name of ["graph", "versions", "registry", "tracker"]) assert.ok(!(name in runtime), name);
  });

  test("snapshot() is a copy: changing it changes nothing the runtime uses", async () => {
    node = new FakeNode({ "app.mjs": { imports: ["./b.mjs"] }, "b.mjs": { value: 1 } });
    await node.start("app.mjs");
    const first = node.runtime.snapshot();
    (first.modules as unknown[]).length = 0;
    const app = node.runtime.snapshot().modules.find((m) => m.file === node!.path("app.mjs"));
    assert.deepEqual(app?.imports, [node.path("b.mjs")]);
  });
});
