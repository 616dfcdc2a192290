/**
 * When the OS gives no more file watches, hotload polls (issue 22, case 7): ENOSPC (watches used
 * up) and EMFILE (inotify instances used up, what fs.watch throws once editors, Docker and other
 * watchers hold the user's 128) both fall back, each with its own limit to raise.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isOutOfWatches, outOfWatchesLine } from "../../src/watch/polling.js";

/** An error as fs.watch throws it. */
function watchError(code: string): Error {
  return Object.assign(new Error(`${code}: too many open files, watch '/tmp/x'`), { code, syscall: "watch" });
}

test("EMFILE and ENOSPC from a watch fall back to polling; other errors do not", () => {
  assert.equal(isOutOfWatches(watchError("EMFILE")), true);
  assert.equal(isOutOfWatches(watchError("ENOSPC")), true);
  assert.equal(isOutOfWatches(watchError("EACCES")), false);
  assert.equal(isOutOfWatches(null), false);
});

test("the line names the error and the limit to raise for it", () => {
  assert.match(outOfWatchesLine(watchError("EMFILE")), /\(EMFILE\): polling every 250 ms instead\. To raise it: sudo sysctl fs\.inotify\.max_user_instances=/);
  assert.match(outOfWatchesLine(watchError("ENOSPC")), /\(ENOSPC\): polling every 250 ms instead\. To raise it: sudo sysctl fs\.inotify\.max_user_watches=524288/);
});
