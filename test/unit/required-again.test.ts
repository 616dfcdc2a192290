import assert from "node:assert/strict";
import { test } from "node:test";
import { ParkedModules, requiredAgain, type RequiredRecords } from "../../src/engine/commonjs/required-again.js";

/** Records as a map, with what each is known to run. */
function records(): RequiredRecords & { readonly map: Map<string, { file: string; seen: string | undefined }> } {
  const map = new Map<string, { file: string; seen: string | undefined }>();
  return { map, get: (id) => map.get(id), runsUnknown: (id) => void (map.get(id)!.seen = undefined) };
}

test("a file whose plain instance a require() got is updated as changed, once its load is applied", () => {
  const known = records();
  const request = requiredAgain("file:///app/esm.mjs", known, () =>
    known.map.set("file:///app/esm.mjs", { seen: "export {};\n", file: "/app/esm.mjs" }),
  );
  assert.deepEqual(request, ["/app/esm.mjs"]);
  assert.equal(known.map.get("file:///app/esm.mjs")?.seen, undefined);
});

test("a module forgotten before its update runs leaves nothing to update", () => {
  assert.deepEqual(
    requiredAgain("file:///app/gone.mjs", records(), () => undefined),
    [],
  );
});

test("a pruned ES module in require.cache stays there, and a require() of it again learns what it runs, once", () => {
  const parked = new ParkedModules();
  assert.equal(parked.park("file:///app/esm.mjs", "module", true, "export const v = 1;\n"), true);
  assert.deepEqual(parked.take("file:///app/esm.mjs"), { seen: "export const v = 1;\n" });
  assert.equal(parked.take("file:///app/esm.mjs"), undefined);
});

test("a CommonJS module, or an ES module not in require.cache, is not parked: require() loads it afresh", () => {
  const parked = new ParkedModules();
  assert.equal(parked.park("file:///app/a.cjs", "commonjs", true, "exports.v = 1;\n"), false);
  assert.equal(parked.park("file:///app/b.mjs", "module", false, "export {};\n"), false);
  assert.equal(parked.take("file:///app/a.cjs"), undefined);
  assert.equal(parked.take("file:///app/b.mjs"), undefined);
});
