import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { requirableModule } from "../../src/engine/commonjs/commonjs.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-require-esm-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a namespace put in require.cache is what require() of the ES module returns, or its module.exports export", () => {
  const file = join(dir, "esm.mjs");
  writeFileSync(file, "export const version = 1;");
  const require = createRequire(join(dir, "main.js"));
  assert.equal((require("./esm.mjs") as { version: number }).version, 1);
  const next = { version: 2 };
  require.cache[file] = requirableModule(file, next);
  assert.equal(require("./esm.mjs"), next);
  const wrapped = { "module.exports": "the value" };
  require.cache[file] = requirableModule(file, wrapped);
  assert.equal(require("./esm.mjs"), "the value");
});
