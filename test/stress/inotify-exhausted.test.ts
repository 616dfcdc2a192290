/**
 * The user's inotify instances used up (issue 22, case 7: fs.inotify.max_user_instances, 128 by
 * default, held by editors, Docker and other watchers): every fs.watch fails with EMFILE. The
 * command and its program each say once that they poll, and both kinds of save still work: an
 * update in place (the program's watcher) and a restart for .env (the command's).
 *
 * Real exhaustion needs root (the limit is lowered with sysctl for the second or two the start
 * and the two saves take, then restored): skipped otherwise. It lives in the stress
 * suite, which runs a file at a time, because the limit is the whole machine's.
 * test/e2e/watch-fallback.test.ts checks the same without root, with fs.watch made to fail.
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
    // None: every new inotify instance fails (those in use keep working), for as long as the two
    // saves take: only polling can see them. (1 is not "used up": the count is per user
    // namespace, and the test's own may hold none.)
    writeFileSync(LIMIT, "0\n");
    run = hotload(dir, ["--env-file=.env", "app.mjs"]);
    await run.waitForLine(/^started pid=\d+ .* env=first$/);
    const since = run.mark();
    edit(join(dir, "greeting.mjs"), 'export const greeting = "hello, polled";\n');
    await run.waitForLine(/^greeting updated pid=\d+ greeting=hello, polled$/, 10_000, since);
    edit(join(dir, ".env"), "CLI_BASIC_ENV=second\n");
    await run.waitForLine(/^started pid=\d+ .* env=second$/, 10_000, since);
  } finally {
    restore();
  }
  const said = run.lines.filter((line) => line.startsWith("[hotload]"));
  // The command, and each program it ran (the first, and the one started for .env), say it once.
  const polling = said.filter((line) => /inotify instances or open files is reached \(EMFILE\): polling every 250 ms instead/.test(line));
  assert.ok(polling.length >= 2 && polling.length <= 3, run.output());
  assert.ok(!said.some((line) => /watcher error|watching files/.test(line)), run.output());
  await stop(run);
});
