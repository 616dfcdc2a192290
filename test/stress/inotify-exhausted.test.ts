/**
 * The user's inotify instances used up (issue 22, case 7: fs.inotify.max_user_instances, 128 by
 * default, held by editors, Docker and other watchers): every fs.watch fails with EMFILE. The
 * command and its program each say once that they poll, and both kinds of save still work: an
 * update in place (the program's watcher) and a restart for .env (the command's).
 *
 * Real exhaustion needs root (the limit is lowered with sysctl for the second it takes the two
 * processes to set up their watches, then restored): skipped otherwise. It lives in the stress
 * suite, which runs a file at a time, because the limit is the whole machine's.
 * test/unit/watch-fallback.test.ts checks the same without root, with fs.watch made to fail.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, edit } from "../helpers/e2e.js";
import { hotload, stop } from "../helpers/command.js";

const LIMIT = "/proc/sys/fs/inotify/max_user_instances";

function writable(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    writeFileSync(LIMIT, readFileSync(LIMIT));
    return true;
  } catch {
    return false;
  }
}

const skip = writable() ? false : `needs root on Linux to lower ${LIMIT}`;

test("with no inotify instance left, the command and its program poll, say so once each, and apply every save", { skip }, async () => {
  const dir = copyFixture("cli-basic");
  const saved = readFileSync(LIMIT, "utf8");
  const restore = (): void => writeFileSync(LIMIT, saved);
  process.once("exit", restore);
  let run;
  try {
    // Fewer than any user holds: every new inotify instance fails (those in use keep working).
    writeFileSync(LIMIT, "1\n");
    run = hotload(dir, ["--env-file=.env", "app.mjs"]);
    await run.waitForLine(/^started pid=\d+ .* env=first$/);
    await run.waitForLine(/polling every 250 ms instead/);
    // One from the command, one from its program.
    const deadline = Date.now() + 10_000;
    while (run.lines.filter((line) => /polling every 250 ms instead/.test(line)).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    restore();
  }
  const said = run.lines.filter((line) => line.startsWith("[hotload]"));
  assert.equal(said.filter((line) => /inotify instances or open files is reached \(EMFILE\): polling every 250 ms instead/.test(line)).length, 2, run.output());
  assert.ok(!said.some((line) => /watcher error|watching files/.test(line)), run.output());

  const since = run.mark();
  edit(join(dir, "greeting.mjs"), 'export const greeting = "hello, polled";\n');
  await run.waitForLine(/^greeting updated pid=\d+ greeting=hello, polled$/, 10_000, since);
  edit(join(dir, ".env"), "CLI_BASIC_ENV=second\n");
  await run.waitForLine(/^started pid=\d+ .* env=second$/, 10_000, since);
  await stop(run);
});
