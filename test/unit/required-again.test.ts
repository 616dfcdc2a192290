import assert from "node:assert/strict";
import { test } from "node:test";
import { requiredAgain, type RequiredRecord } from "../../src/engine/required-again.js";

test("a file whose plain instance a require() got is updated as changed, once its load is applied", () => {
  const records = new Map<string, RequiredRecord>();
  const request = requiredAgain("file:///app/esm.mjs", records, () => records.set("file:///app/esm.mjs", { seen: "export {};\n", file: "/app/esm.mjs" }));
  assert.deepEqual(request, { files: ["/app/esm.mjs"], quietIfUnchanged: true });
  assert.equal(records.get("file:///app/esm.mjs")?.seen, undefined);
});

test("a module forgotten before its update runs leaves nothing to update", () => {
  assert.deepEqual(requiredAgain("file:///app/gone.mjs", new Map(), () => undefined), { files: [], quietIfUnchanged: true });
});
