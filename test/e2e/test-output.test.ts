/**
 * `npm test`'s output (issue 23, case 11): lines hotload prints while a unit test runs it in the
 * test's own process (an update that fails on purpose says so) are shown for a failing test
 * only (test/helpers/held-output.ts), so a passing run shows no `[hotload] … SyntaxError` line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { spawnCommand } from "../helpers/e2e.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-test-output-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("what a passing test made hotload print is not shown; what a failing one made it print is", async () => {
  const helper = pathToFileURL(join(import.meta.dirname, "..", "helpers", "held-output.js")).href;
  writeFileSync(
    join(dir, "x.test.mjs"),
    `import { test } from "node:test";
import { holdStderrPerTest } from ${JSON.stringify(helper)};
holdStderrPerTest();
test("passes", () => { process.stderr.write("[hotload] ./a.mjs:1:1 SyntaxError: expected by this test\\n"); });
test("fails", () => { process.stderr.write("[hotload] ./b.mjs: what the failure needs you to see\\n"); throw new Error("failed on purpose"); });
`,
  );
  const run = spawnCommand(process.execPath, ["--test", "--test-reporter=spec", join(dir, "x.test.mjs")], { cwd: dir });
  const code = await run.exited;
  assert.notEqual(code, 0, run.output());
  assert.ok(!run.output().includes("expected by this test"), run.output());
  assert.ok(run.output().includes("[hotload] ./b.mjs: what the failure needs you to see"), run.output());
});
