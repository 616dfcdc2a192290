/** On a Node older than package.json's engines, the loader refuses in one line, without a stack. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { REQUIRED_NODE } from "../../src/shared/node-version.js";
import { LOADER, cleanup, copyFixture } from "../helpers/e2e.js";
import { findNode20, NO_NODE20 } from "../helpers/node20.js";

after(cleanup);

const node20 = findNode20();

test(
  "on an unsupported Node the loader exits non-zero with one line naming the version found and the one required",
  { skip: node20 ? false : NO_NODE20 },
  () => {
    const dir = copyFixture("core-exit");
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    delete env["NODE_OPTIONS"];
    delete env["NODE_TEST_CONTEXT"];
    const result = spawnSync(node20!, ["--import", LOADER, join(dir, "app.mjs")], { cwd: dir, env, encoding: "utf8", timeout: 10_000 });
    const found = spawnSync(node20!, ["--version"], { encoding: "utf8" }).stdout.trim();
    const output = `${result.stdout}${result.stderr}`;
    const lines = output.split("\n").filter((line) => line.trim() !== "");

    assert.equal(result.error, undefined, `did not exit within 10 s: ${output}`);
    assert.notEqual(result.status, 0, output);
    assert.equal(lines.length, 1, output);
    assert.ok(lines[0]!.includes(found.slice(1)), `names ${found}: ${output}`);
    assert.ok(lines[0]!.includes(`needs Node.js ${REQUIRED_NODE}`), `names package.json's engines.node: ${output}`);
    assert.ok(!output.includes("app done"), output);
  },
);
