/**
 * hotload's lines show control characters from outside as escapes (issue 10, item 12): a file
 * whose name holds `\x1b]0;title\x07\x1b[2K` is named in "updated" and error lines with those
 * characters escaped, and no line hotload prints carries a raw one.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

const NAME = "x\x1b]0;title\x07\x1b[2Kname.mjs";
const SHOWN = "x\\x1b]0;title\\x07\\x1b[2Kname.mjs";

test("a file name with terminal escape sequences is printed escaped in updated and error lines", async () => {
  const dir = copyFixture("core-escapes");
  const file = join(dir, NAME);
  writeFileSync(file, "export const v = 1;\n");
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("app ready v=1");

  let since = run.mark();
  edit(file, "export const v = 22;\n");
  await run.waitForLine("app accepted v=22", 10_000, since);
  const updated = await run.waitForLine(/^\[hotload\] updated /, 10_000, since);
  assert.ok(updated.startsWith(`[hotload] updated ./${SHOWN} → ./app.mjs in `), JSON.stringify(updated));

  since = run.mark();
  edit(file, "export const v = 333 +;\n");
  const failed = await run.waitForLine(/^\[hotload\] .*SyntaxError/, 10_000, since);
  // Error locations are absolute paths (so that terminals make them links).
  assert.ok(failed.includes(`/${SHOWN}:1:`), JSON.stringify(failed));

  since = run.mark();
  edit(file, "export const v = 4444;\n");
  await run.waitForLine("app accepted v=4444", 10_000, since);

  const raw = run.lines.filter((line) => /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(line));
  assert.deepEqual(raw, [], "lines with a raw control character");
});
