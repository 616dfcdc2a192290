import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

/** The repository root: this file runs as dist/test/unit/exports.test.js. */
const ROOT = new URL("../../../", import.meta.url);

interface Conditions {
  readonly types?: string;
  readonly default?: string;
  readonly import?: string;
}

const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as {
  name: string;
  exports: Record<string, string | Conditions>;
};

describe("public exports", () => {
  test("hotload/api exports exactly HotloadError, graph, hot, importFresh, on, ready, swappable and update", async () => {
    const api = (await import(new URL("dist/src/api.js", ROOT).href)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(api).sort(), [
      "HotloadError",
      "graph",
      "hot",
      "importFresh",
      "on",
      "ready",
      "swappable",
      "update",
      "versionOf",
    ]);
    for (const name of ["graph", "hot", "on", "ready", "update", "versionOf"]) assert.equal(typeof api[name], "function", name);
    assert.equal(typeof api["HotloadError"], "function");
  });

  test("package.json exports exactly ., ./api, ./client and ./package.json", () => {
    assert.deepEqual(Object.keys(pkg.exports), [".", "./api", "./client", "./package.json"]);
  });

  test("every code entry point has types listed first and a default", () => {
    for (const key of [".", "./api"]) {
      const entry = pkg.exports[key];
      assert.equal(typeof entry, "object", key);
      const conditions = entry as Conditions;
      assert.equal(Object.keys(conditions)[0], "types", `${key}: "types" must come first to be seen by TypeScript`);
      assert.match(conditions.types ?? "", /\.d\.ts$/, key);
      assert.match(conditions.default ?? "", /\.js$/, key);
    }
  });

  test("./client is types only and ./package.json is the manifest", () => {
    assert.deepEqual(pkg.exports["./client"], { types: "./client.d.ts" });
    assert.equal(pkg.exports["./package.json"], "./package.json");
  });

  test("every path the exports map points to exists after a build", () => {
    const targets: string[] = [];
    for (const entry of Object.values(pkg.exports)) {
      if (typeof entry === "string") targets.push(entry);
      else targets.push(...Object.values(entry).filter((v): v is string => typeof v === "string"));
    }
    assert.ok(targets.length >= 6);
    for (const target of targets) {
      assert.ok(target.startsWith("./"), `${target} must start with ./`);
      const path = fileURLToPath(new URL(target, ROOT));
      assert.ok(existsSync(path), `${target} is missing (${path})`);
    }
  });
});
