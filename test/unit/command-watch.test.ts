/**
 * The command's own watches (src/command/watch.ts), with a fake chokidar: what is watched, what
 * counts as a change, when a watch is ready, and the polling fall-back when the OS gives no watch.
 * The files are real (a change is a change of their bytes); the events are the test's. chokidar
 * itself, failing as the OS makes it fail, is tested in test/e2e/watch-fallback.test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { compileGlob } from "../../src/command/glob.js";
import { snapshot, watchFiles, watchGlobs, type Watch } from "../../src/command/watch.js";
import { turn } from "../helpers/fake-clock.js";
import { FakeChokidar } from "../helpers/fake-watch.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-command-watch-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Whether `watch` is ready after the promises settled so far have run. */
async function isReady(watch: Watch): Promise<boolean> {
  let ready = false;
  void watch.ready.then(() => (ready = true));
  await turn();
  return ready;
}

describe("what counts as a change", () => {
  test("a change of content is reported once; a touch, or the same bytes again, is none", async () => {
    const chokidar = new FakeChokidar();
    const file = write("app1.mjs", "1");
    const changes: string[] = [];
    const watch = watchFiles([file], [], (changed) => changes.push(changed), undefined, undefined, chokidar.watch);
    const watcher = chokidar.watcher(0);
    // The first scan finds the file: what it holds then is no change.
    watcher.event("add", file);
    watcher.ready();
    await watch.ready;
    watcher.event("change", file);
    assert.deepEqual(changes, []);
    write("app1.mjs", "22");
    watcher.event("change", file);
    watcher.event("change", file);
    assert.deepEqual(changes, [file]);
    write("app1.mjs", "22");
    watcher.event("change", file);
    assert.deepEqual(changes, [file]);
    await watch.close();
    write("app1.mjs", "333");
    watcher.event("change", file);
    assert.deepEqual(changes, [file], "nothing is reported after close");
    assert.equal(watcher.closed, true);
  });

  test("a file saved between the baseline and the watch's start is reported once the watch is ready", async () => {
    const chokidar = new FakeChokidar();
    const file = write("app2.mjs", "1");
    const before = snapshot([file]);
    write("app2.mjs", "22");
    const changes: string[] = [];
    const watch = watchFiles([file], [], (changed) => changes.push(changed), before, undefined, chokidar.watch);
    chokidar.watcher(0).event("add", file);
    assert.deepEqual(changes, []);
    chokidar.watcher(0).ready();
    await watch.ready;
    assert.deepEqual(changes, [file]);
  });

  test("a --restart glob watches its folder and reports only the files it matches", async () => {
    const chokidar = new FakeChokidar();
    const changes: string[] = [];
    const watch = watchGlobs([compileGlob("config/*.json", dir)], [], (changed) => changes.push(changed), undefined, chokidar.watch);
    const watcher = chokidar.watcher(0);
    assert.deepEqual(watcher.paths, [join(dir, "config")]);
    watcher.ready();
    await watch.ready;
    mkdirSync(join(dir, "config"));
    const db = write("config/db.json", "{}");
    const notes = write("config/notes.txt", "todo");
    watcher.event("add", db);
    watcher.event("add", notes);
    rmSync(db);
    watcher.event("unlink", db);
    assert.deepEqual(changes, [db, db]);
  });
});

describe("when the OS gives no watch, the paths are polled", () => {
  test("the same paths are polled too, once; the watch is ready only when the polling watcher is", async () => {
    const chokidar = new FakeChokidar();
    const file = write("app3.mjs", "1");
    const changes: string[] = [];
    const watch = watchFiles([file], [], (changed) => changes.push(changed), undefined, undefined, chokidar.watch);
    chokidar.watcher(0).fail("EMFILE");
    chokidar.watcher(0).ready();
    assert.equal(await isReady(watch), false);
    const polling = chokidar.watcher(1);
    assert.deepEqual(polling.paths, [file]);
    assert.deepEqual([polling.options.usePolling, polling.options.interval, polling.options.persistent], [true, 250, true]);
    // More failures, of the first watcher or of the polling one, open nothing more.
    chokidar.watcher(0).fail("ENOSPC");
    polling.fail("EMFILE");
    assert.equal(chokidar.opened.length, 2);
    polling.event("add", file);
    polling.ready();
    assert.equal(await isReady(watch), true);
    write("app3.mjs", "22");
    polling.event("change", file);
    assert.deepEqual(changes, [file]);
    await watch.close();
    assert.deepEqual([chokidar.watcher(0).closed, polling.closed], [true, true]);
  });

  test("a glob's folder that may not be watched (EACCES) is polled too, and closed with the watch", async () => {
    const chokidar = new FakeChokidar();
    const watch = watchGlobs([compileGlob(".env", dir)], [], () => {}, undefined, chokidar.watch);
    chokidar.watcher(0).fail("EACCES");
    chokidar.watcher(0).ready();
    assert.equal(await isReady(watch), false);
    chokidar.watcher(1).ready();
    assert.equal(await isReady(watch), true);
    await watch.close();
    assert.deepEqual(
      chokidar.opened.map((watcher) => watcher.closed),
      [true, true],
    );
  });

  test("with --poll, no OS watch is asked for, and a failure opens nothing more", async () => {
    const chokidar = new FakeChokidar();
    const file = write("app4.mjs", "1");
    void watchFiles([file], [], () => {}, undefined, 400, chokidar.watch);
    assert.deepEqual([chokidar.watcher(0).options.usePolling, chokidar.watcher(0).options.interval], [true, 400]);
    chokidar.watcher(0).fail("EMFILE");
    assert.equal(chokidar.opened.length, 1);
  });
});
