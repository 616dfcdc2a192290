/**
 * A change to an environment file under plain `node --env-file=.env --import hotload`: a restart
 * would read it again, in place the program cannot. hotload says so in one line naming the file,
 * once per change, and never "updated"; the program keeps running as it was.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

after(cleanup);

const RESTART_LINE = /^\[hotload\] \.\/\.env changed: .* restart needed to see it$/;

test("a change to --env-file's file is told once, as needing a restart, never as an update", async () => {
  const dir = copyFixture("env-file");
  const run = spawnHot(join(dir, "app.mjs"), { nodeArgs: ["--env-file=.env"] });
  await run.waitForLine("ready rev 1: GREETING=hello");
  let since = run.mark();
  writeFileSync(join(dir, ".env"), "GREETING=hello again\n");
  await run.waitForLine(RESTART_LINE, 10_000, since);
  // The same content saved again is no news; the module save after it is an update as usual.
  writeFileSync(join(dir, ".env"), "GREETING=hello again\n");
  edit(join(dir, "rev.mjs"), 'export const rev = "rev 22";\n');
  await run.waitForLine("ready rev 22: GREETING=hello", 10_000, since);
  await run.waitForLine(/^\[hotload\] updated \.\/rev\.mjs/, 10_000, since);
  since = run.mark();
  // Back to what the program read, then changed again: the new change is told again.
  writeFileSync(join(dir, ".env"), "GREETING=hello\n");
  writeFileSync(join(dir, ".env"), "GREETING=bonjour\n");
  await run.waitForLine(RESTART_LINE, 10_000, since);
  edit(join(dir, "rev.mjs"), 'export const rev = "rev 333";\n');
  await run.waitForLine(/^\[hotload\] updated \.\/rev\.mjs/, 10_000, since);
  await run.kill();
  const envLines = run.lines.filter((line) => line.includes(".env"));
  assert.equal(envLines.length, 2, run.output());
  assert.ok(
    envLines.every((line) => RESTART_LINE.test(line)),
    run.output(),
  );
  assert.equal(run.lines.filter((line) => /updated/.test(line)).length, 2, run.output());
});

test("a file the program loads with process.loadEnvFile() as it starts is told too", async () => {
  const dir = copyFixture("env-file-loaded");
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine("ready: GREETING=hello");
  const since = run.mark();
  writeFileSync(join(dir, "config.env"), "GREETING=hello, changed\n");
  await run.waitForLine(/^\[hotload\] \.\/config\.env changed: .* restart needed to see it$/, 10_000, since);
  await run.kill();
});
