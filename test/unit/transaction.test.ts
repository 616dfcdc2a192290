/**
 * The update transaction (src/engine/update/transaction.ts) and what settles it (schedule.ts,
 * failures.ts), driven through the real runtime with fake effects: a fake Node loads, links and
 * evaluates modules by calling the runtime as the hooks do (test/helpers/fake-node.ts). Real
 * files hold each module's behaviour, so change detection reads what a save wrote.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { FakeNode, type ModuleSpec } from "../helpers/fake-node.js";

let node: FakeNode | undefined;
const project = (files: Record<string, ModuleSpec>): FakeNode => (node = new FakeNode(files));
afterEach(() => node?.close());

/** app.mjs accepts updates of b.mjs, which disposes. */
const ACCEPTING: Record<string, ModuleSpec> = {
  "app.mjs": { imports: ["./b.mjs"], accept: ["./b.mjs"] },
  "b.mjs": { dispose: true, value: 1 },
};

describe("the update transaction", () => {
  test("a syntax error stops the update before any dispose handler runs, and the old version stays", async () => {
    const fake = project(ACCEPTING);
    await fake.start("app.mjs");
    const result = await fake.save("b.mjs", { dispose: true, value: 2, syntaxError: true });
    assert.equal(result.status, "failed");
    assert.match(String(result.error), /SyntaxError/);
    assert.deepEqual(fake.journal, ["eval b.mjs@0", "eval app.mjs@0"], "nothing disposed, nothing evaluated");
    assert.equal(fake.version("b.mjs"), 0);
  });

  test("an evaluation error rolls back: versions and graph edges as before, and later imports get the last good version", async () => {
    const fake = project({ ...ACCEPTING, "c.mjs": { value: "c" } });
    await fake.start("app.mjs");
    const result = await fake.save("b.mjs", { imports: ["./c.mjs"], dispose: true, throws: "boom" });
    assert.equal(result.status, "failed");
    assert.match(String(result.error), /boom/);
    assert.deepEqual(
      fake.journal.slice(2),
      ["eval c.mjs@0", "dispose b.mjs@0", "eval b.mjs@1", "threw b.mjs@1"],
      "past the gate: disposed, then the new version threw",
    );
    assert.equal(fake.version("b.mjs"), 0);
    const b = fake.runtime.snapshot().modules.find((m) => m.file === fake.path("b.mjs"))!;
    assert.deepEqual(b.imports, [], "the failed version's import of c.mjs is gone with it");
    assert.ok(
      !fake.runtime.snapshot().modules.some((m) => m.file === fake.path("c.mjs")),
      "c.mjs, first loaded by the failed version, is forgotten",
    );
    assert.equal(fake.runtime.resolved(fake.url("b.mjs"), fake.url("app.mjs")), fake.url("b.mjs"), "an import now gets version 0");
  });

  test("a throwing accept handler is reported, and the new code runs", async () => {
    const fake = project({
      "app.mjs": { imports: ["./b.mjs"], accept: ["./b.mjs"], acceptThrows: "handler broke" },
      "b.mjs": { value: 1 },
    });
    await fake.start("app.mjs");
    const result = await fake.save("b.mjs", { value: 2 });
    assert.equal(result.status, "failed");
    assert.match(String(result.error), /handler broke/);
    assert.deepEqual(result.reevaluated, [fake.path("b.mjs")]);
    assert.deepEqual(fake.journal.slice(2), ["eval b.mjs@1", 'accept app.mjs: {"value":2}']);
    assert.equal(fake.version("b.mjs"), 1, "the new version stays");
  });

  test("a module saved and dropped by its importer in the same update is pruned, and the update settles naming both files", async () => {
    // Found by the torture suite (seed 999313196): the files of the update were looked up after it
    // ran, when the pruned module's record was gone, and the update threw instead of settling.
    const fake = project({
      "app.mjs": { imports: ["./b.mjs"], accept: ["./b.mjs"] },
      "b.mjs": { imports: ["./c.mjs"], value: 1 },
      "c.mjs": { value: "c1" },
    });
    await fake.start("app.mjs");
    fake.write("c.mjs", { value: "c22" });
    fake.write("b.mjs", { value: 22 });
    const result = await fake.runtime.update([fake.path("c.mjs"), fake.path("b.mjs")]);
    assert.equal(result.status, "updated");
    assert.deepEqual([...result.files].sort(), [fake.path("b.mjs"), fake.path("c.mjs")].sort());
    assert.ok(!fake.runtime.snapshot().modules.some((m) => m.file === fake.path("c.mjs")), "c.mjs is pruned");
    assert.equal((await fake.runtime.update([fake.path("b.mjs")])).status, "unchanged", "the next update runs");
  });

  test("a change nothing accepts is a dead end: nothing runs, the chain names the way up", async () => {
    const fake = project({ "app.mjs": { imports: ["./b.mjs"] }, "b.mjs": { dispose: true, value: 1 } });
    await fake.start("app.mjs");
    const result = await fake.save("b.mjs", { dispose: true, value: 2 });
    assert.equal(result.status, "unaccepted");
    assert.deepEqual(result.chain, [fake.path("b.mjs"), fake.path("app.mjs")]);
    assert.deepEqual(fake.journal, ["eval b.mjs@0", "eval app.mjs@0"]);
    assert.equal(fake.version("b.mjs"), 0);
  });

  test("invalidate() in an accept callback passes the update on to the importers", async () => {
    const fake = project({
      "app.mjs": { imports: ["./b.mjs"], accept: ["./b.mjs"] },
      "b.mjs": { accept: "self", invalidates: true, value: 1 },
    });
    await fake.start("app.mjs");
    assert.equal((await fake.save("b.mjs", { accept: "self", invalidates: true, value: 2 })).status, "updated");
    await fake.idle();
    assert.deepEqual(
      fake.results.map((r) => [r.status, r.boundaries]),
      [
        ["updated", [fake.path("b.mjs")]],
        ["updated", [fake.path("app.mjs")]],
      ],
    );
    // b.mjs is not evaluated again: app.mjs gets its current namespace.
    assert.deepEqual(fake.journal.slice(2), ["eval b.mjs@1", 'accept b.mjs: {"value":2}', 'accept app.mjs: {"value":2}']);
  });

  test("invalidate() that comes back round an import cycle stops as unaccepted instead of going round for ever", async () => {
    const fake = project({
      "app.mjs": { imports: ["./a.mjs"], accept: ["./a.mjs"] },
      "a.mjs": { imports: ["./b.mjs"], accept: "self", invalidates: true },
      "b.mjs": { imports: ["./a.mjs"], accept: "self", invalidates: true },
    });
    await fake.start("app.mjs");
    await fake.save("a.mjs", { imports: ["./b.mjs"], accept: "self", invalidates: true, value: 2 });
    await fake.idle();
    const last = fake.results.at(-1)!;
    assert.equal(last.status, "unaccepted");
    assert.ok(fake.results.length <= 4, `${fake.results.length} updates`);
    assert.deepEqual(last.chain, [fake.path("a.mjs"), fake.path("b.mjs"), fake.path("a.mjs")]);
  });

  test("edits held back by a broken file are applied once it is fixed", async () => {
    const fake = project({
      "app.mjs": { imports: ["./b.mjs"], accept: ["./b.mjs"] },
      "b.mjs": { imports: ["./a.mjs"], value: 1 },
      "a.mjs": { value: "a" },
    });
    await fake.start("app.mjs");
    fake.write("b.mjs", { imports: ["./a.mjs"], value: 2 });
    fake.write("a.mjs", { throws: "a is broken" });
    const failed = await fake.runtime.update([fake.path("b.mjs"), fake.path("a.mjs")]);
    assert.equal(failed.status, "failed");
    assert.equal(fake.version("b.mjs"), 0);
    // Saving b.mjs again with the same content is no new try: it waits for a.mjs.
    assert.equal((await fake.runtime.update([fake.path("b.mjs")])).status, "unchanged");
    await fake.save("a.mjs", { value: "fixed a" });
    await fake.idle();
    // a.mjs's fix re-evaluates b.mjs as it last ran; then the quiet retry applies b.mjs's edit.
    assert.deepEqual(
      fake.results.slice(-2).map((r) => [r.status, r.files]),
      [
        ["updated", [fake.path("a.mjs")]],
        ["updated", [fake.path("b.mjs")]],
      ],
    );
    assert.equal(fake.version("b.mjs"), 3, "version 1 failed, 2 ran a.mjs's fix, 3 is the edit");
    assert.deepEqual(fake.journal.slice(-2), ["eval b.mjs@3", 'accept app.mjs: {"value":2}'], "b.mjs's held-back edit runs");
  });

  test("a quiet retry that fails as before says nothing and is not heard; the fix is said once", async () => {
    const fake = project({
      "app.mjs": { imports: ["./b.mjs", "./c.mjs"], accept: ["./b.mjs", "./c.mjs"] },
      "b.mjs": { value: 1 },
      "c.mjs": { value: 1 },
    });
    await fake.start("app.mjs");
    assert.equal((await fake.save("b.mjs", { throws: "b is broken" })).status, "failed");
    // c.mjs's update applies: b.mjs, held in the retry set, is tried again quietly and fails the same way.
    assert.equal((await fake.save("c.mjs", { value: 2 })).status, "updated");
    await fake.idle();
    assert.equal((await fake.save("b.mjs", { value: 3 })).status, "updated");
    await fake.idle();
    const shown = (line: string): string => line.replaceAll(`${fake.dir}/`, "").replace(/ in [\d.]+ ms$/, "");
    assert.deepEqual(fake.said.map(shown), [
      "error: b.mjs Error: b is broken — rolled back to the previous version",
      "success: updated c.mjs → app.mjs",
      "success: updated b.mjs → app.mjs",
    ]);
    assert.deepEqual(
      fake.results.map((r) => r.status),
      ["failed", "updated", "updated"],
      "the quiet retry in between is not heard",
    );
  });
});
