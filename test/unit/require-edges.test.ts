import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { trackRequires } from "../../src/engine/commonjs/require-edges.js";

describe("trackRequires", () => {
  const dir = mkdtempSync(join(tmpdir(), "hotload-require-edges-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("reports the edge of a require() that Node answers from its per-folder cache", () => {
    writeFileSync(join(dir, "util.js"), "exports.v = 1;");
    writeFileSync(join(dir, "a.js"), "require('./util');");
    writeFileSync(join(dir, "b.js"), "require('./util');");
    const edges: string[] = [];
    const stop = trackRequires((parent, child) => edges.push(`${parent.slice(dir.length + 1)} -> ${child.slice(dir.length + 1)}`));
    try {
      const req = createRequire(join(dir, "entry.js"));
      req("./a.js");
      req("./b.js");
    } finally {
      stop();
    }
    assert.deepEqual(edges, ["a.js -> util.js", "entry.js -> a.js", "b.js -> util.js", "entry.js -> b.js"]);
  });

  test("each edge comes with the time its require() call started, before the child was read", () => {
    writeFileSync(join(dir, "timed.js"), "exports.t = 1;");
    const times: number[] = [];
    const before = Date.now();
    const stop = trackRequires((_parent, _child, startedAt) => times.push(startedAt));
    try {
      createRequire(join(dir, "entry3.js"))("./timed.js");
    } finally {
      stop();
    }
    const afterwards = Date.now();
    assert.equal(times.length, 1);
    assert.ok(times[0]! >= before && times[0]! <= afterwards, `${before} <= ${times[0]} <= ${afterwards}`);
  });

  test("a module required twice by the same parent is one edge, and nothing is reported once stopped", () => {
    writeFileSync(join(dir, "twice.js"), "require('./util'); require('./util');");
    const edges: string[] = [];
    const stop = trackRequires((parent, child) => edges.push(`${parent.slice(dir.length + 1)} -> ${child.slice(dir.length + 1)}`));
    const req = createRequire(join(dir, "entry2.js"));
    try {
      req("./twice.js");
    } finally {
      stop();
    }
    req("./a.js");
    assert.deepEqual(edges, ["twice.js -> util.js", "entry2.js -> twice.js"]);
  });
});
