/**
 * A held-back edit that a later update lets through (a quiet retry) is announced like any update
 * once its new code has run: hotload:beforeUpdate before its accept handlers, then its result. It used to settle with
 * no hotload:beforeUpdate, so a program pairing the two (and the torture suite, seed 6614999)
 * took the process for idle while the retry ran. fixtures/retry-events: main.mjs accepts b.mjs,
 * which imports a.mjs; on "go" it saves b.mjs (which now needs a new export of a.mjs) and a
 * broken a.mjs, and updates both at once: b.mjs's edit waits for a.mjs's fix.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, spawnHot, edit } from "../helpers/e2e.js";

after(cleanup);

test("a held-back edit applied by a later update's retry is announced by hotload:beforeUpdate, then heard", async () => {
  const dir = copyFixture("retry-events");
  const run = spawnHot(join(dir, "main.mjs"), { stdin: true });
  await run.waitForLine("main ready");
  let since = run.mark();
  run.child.stdin!.write("go\n");
  await run.waitForLine("after failed b.mjs,a.mjs", 10_000, since);
  // Tried again without a.mjs, b.mjs fails on its own: it needs a.mjs's new export.
  await run.waitForLine(/^after failed b\.mjs$/, 10_000, since);
  since = run.mark();
  edit(join(dir, "a.mjs"), 'export const a = "a v333";\nexport const a2 = "a2 v333 fixed";\n');
  await run.waitForLine("main sees b v22 with a2 v333 fixed", 10_000, since);
  await run.waitForLine("after updated b.mjs", 10_000, since);
  const lines = run.lines.slice(since).filter((line) => /^(before|after) /.test(line));
  // Every settled update that ran new code was announced first, and none overlapped.
  assert.deepEqual(lines, ["before a.mjs", "after updated a.mjs", "before b.mjs", "after updated b.mjs"], run.output());
});
