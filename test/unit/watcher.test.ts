/**
 * The program's watcher (src/watch/watcher.ts), with a fake chokidar and a fake clock: batching,
 * settling, the torn-write holds, one batch at a time, the looks for saves no event reported, and
 * the fall-back to polling. The files are real (the watcher reads their sizes); their events and
 * the time are the test's. chokidar itself, and polling for real, are tested in
 * test/e2e/watch-fallback.test.ts and test/e2e/core-watch*.test.ts.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Watcher, type TouchedBatch, type WatcherOptions } from "../../src/watch/watcher.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { FakeChokidar } from "../helpers/fake-watch.js";

const root = mkdtempSync(join(tmpdir(), "hotload-watcher-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The defaults, without HOTLOAD_SETTLE_MS or HOTLOAD_POLL from the environment. */
const OPTIONS: WatcherOptions = { settleMs: 3, quickMs: 0, emptyHoldMs: 250, unlinkHoldMs: 40, writeWaitMs: 2000, pollMs: undefined };

/** What a batch says, in short: `name` or `name:size` for each changed file, `-name` for each deleted one. */
function short(batch: TouchedBatch): string[] {
  const name = (file: string): string => file.slice(file.lastIndexOf("/") + 1);
  return [...batch.changed.map((file) => `${name(file)}:${batch.sizes.get(file)}`), ...batch.deleted.map((file) => `-${name(file)}`)];
}

function setup(options: Partial<WatcherOptions> = {}, differs?: (file: string) => boolean | undefined) {
  const chokidar = new FakeChokidar();
  const clock = new FakeClock();
  const batches: string[][] = [];
  /** How many times the watcher said a file was touched while a batch was being handled. */
  const busy = { touched: 0 };
  const errors: unknown[] = [];
  let handler: (batch: TouchedBatch) => Promise<void> = async () => {};
  const watcher = new Watcher(
    (batch) => {
      batches.push(short(batch));
      return handler(batch);
    },
    (error) => errors.push(error),
    { ...OPTIONS, ...options },
    differs,
    { watch: async () => chokidar.watch, clock, touchedWhileBusy: () => busy.touched++ },
  );
  return {
    watcher,
    busy,
    chokidar,
    clock,
    batches,
    errors,
    /** Each batch from now on is handled by `fn`. */
    handle(fn: (batch: TouchedBatch) => Promise<void>) {
      handler = fn;
    },
    /** Writes `name` (last modified an hour ago unless `fresh`: no look at recent files finds it). */
    write(name: string, text: string, fresh = false): string {
      const file = join(root, name);
      writeFileSync(file, text);
      if (!fresh) utimesSync(file, new Date(clock.wall() - 3_600_000), new Date(clock.wall() - 3_600_000));
      return file;
    },
    /** Watches `files`, as the runtime does when it loads them, and lets chokidar start. */
    async watch(...files: string[]) {
      for (const file of files) watcher.add(file);
      await clock.advance();
      chokidar.watcher(0).ready();
      await clock.advance();
    },
    /** chokidar reports `event` on `file`. */
    event(file: string, event: "add" | "change" | "unlink" = "change") {
      chokidar.watcher(-1).event(event, file);
    },
  };
}

describe("batches", () => {
  test("chokidar is opened once, with every file handed over in the same turn, and never keeps the process alive", async () => {
    const w = setup();
    const a = w.write("a1.mjs", "a");
    const b = w.write("b1.mjs", "b");
    await w.watch(a, b);
    assert.equal(w.chokidar.opened.length, 1);
    assert.deepEqual(w.chokidar.watcher(0).paths, [a, b]);
    assert.equal(w.chokidar.watcher(0).options.persistent, false);
    assert.equal(w.chokidar.watcher(0).options.usePolling, undefined);
    assert.deepEqual(w.batches, []);
  });

  test("a save's events in one turn of the loop make one batch, read at once", async () => {
    const w = setup();
    const a = w.write("a2.mjs", "a");
    const b = w.write("b2.mjs", "bb");
    await w.watch(a, b);
    w.write("a2.mjs", "aaa");
    w.event(a);
    w.event(a);
    w.event(b);
    await w.clock.advance();
    assert.deepEqual(w.batches, [["a2.mjs:3", "b2.mjs:2"]]);
  });

  test("one batch at a time: files touched while a batch is handled go next, as one batch, and each touch is told as it comes", async () => {
    const w = setup();
    const a = w.write("a3.mjs", "a");
    const b = w.write("b3.mjs", "b");
    const c = w.write("c3.mjs", "c");
    await w.watch(a, b, c);
    let finish!: () => void;
    w.handle(() => new Promise((resolve) => (finish = resolve)));
    w.event(a);
    await w.clock.advance();
    w.event(b);
    await w.clock.advance(10);
    w.event(c);
    await w.clock.advance(10);
    assert.deepEqual(w.batches, [["a3.mjs:1"]]);
    // Each touch while the batch runs is told at once (an update stuck in it can be given up).
    assert.equal(w.busy.touched, 2);
    w.handle(async () => {});
    finish();
    await w.clock.advance();
    assert.deepEqual(w.batches, [["a3.mjs:1"], ["b3.mjs:1", "c3.mjs:1"]]);
    assert.equal(w.busy.touched, 2);
  });

  test("a file whose size moved while its batch was handled, with no event since, gets another look", async () => {
    const w = setup();
    const a = w.write("a4.mjs", "a");
    await w.watch(a);
    w.handle(async () => {
      w.handle(async () => {});
      appendFileSync(a, "-more");
    });
    w.event(a);
    await w.clock.advance(100);
    assert.deepEqual(w.batches, [["a4.mjs:1"], ["a4.mjs:6"]]);
  });

  test("a file no longer watched is not handed over", async () => {
    const w = setup();
    const a = w.write("a5.mjs", "a");
    await w.watch(a);
    w.watcher.remove(a);
    w.event(a);
    await w.clock.advance(100);
    assert.deepEqual(w.batches, []);
    assert.deepEqual(w.chokidar.watcher(0).paths, []);
  });
});

describe("settling and torn writes", () => {
  test("a file written in parts (a second event with its size moved) is handed over once quiet for the settle time", async () => {
    const w = setup();
    const a = w.write("a6.mjs", "0123456789");
    await w.watch(a);
    w.event(a);
    appendFileSync(a, "0123456789");
    w.event(a);
    await w.clock.advance(2);
    assert.deepEqual(w.batches, []);
    await w.clock.advance(1);
    assert.deepEqual(w.batches, [["a6.mjs:20"]]);
  });

  test("a file found empty is held, and the write that follows is what is handed over", async () => {
    const w = setup();
    const a = w.write("a7.mjs", "hello");
    await w.watch(a);
    w.event(a);
    await w.clock.advance(100);
    w.write("a7.mjs", "");
    w.event(a);
    await w.clock.advance(10);
    assert.deepEqual(w.batches, [["a7.mjs:5"]]);
    w.write("a7.mjs", "hello world");
    w.event(a);
    await w.clock.advance();
    assert.deepEqual(w.batches, [["a7.mjs:5"], ["a7.mjs:11"]]);
    await w.clock.advance(1000);
    assert.equal(w.batches.length, 2);
  });

  test("a file that stays empty is handed over, empty, once the hold is over", async () => {
    const w = setup();
    const a = w.write("a8.mjs", "hello");
    await w.watch(a);
    w.event(a);
    await w.clock.advance(100);
    w.write("a8.mjs", "");
    w.event(a);
    await w.clock.advance(249);
    assert.deepEqual(w.batches, [["a8.mjs:5"]]);
    await w.clock.advance(1);
    assert.deepEqual(w.batches, [["a8.mjs:5"], ["a8.mjs:0"]]);
  });

  test("a vanished file is given the unlink hold to come back; one that does is a change, one that does not is deleted", async () => {
    const w = setup();
    const a = w.write("a9.mjs", "a");
    const b = w.write("b9.mjs", "b");
    await w.watch(a, b);
    rmSync(a);
    rmSync(b);
    w.event(a, "unlink");
    w.event(b, "unlink");
    await w.clock.advance(10);
    w.write("a9.mjs", "again");
    w.event(a, "add");
    await w.clock.advance(29);
    assert.deepEqual(w.batches, [["a9.mjs:5"]]);
    await w.clock.advance(1);
    assert.deepEqual(w.batches, [["a9.mjs:5"], ["-b9.mjs"]]);
  });

  test("with a fixed settle time (HOTLOAD_SETTLE_MS), files saved within it of each other are one batch", async () => {
    const w = setup({ settleMs: 50, quickMs: 50 });
    const a = w.write("a10.mjs", "a");
    const b = w.write("b10.mjs", "b");
    await w.watch(a, b);
    w.event(a);
    await w.clock.advance(30);
    w.event(b);
    await w.clock.advance(49);
    assert.deepEqual(w.batches, []);
    await w.clock.advance(1);
    assert.deepEqual(w.batches, [["a10.mjs:1", "b10.mjs:1"]]);
  });
});

describe("saves no event reported", () => {
  test("a file that differs from what was loaded is looked at once its watch is set up", async () => {
    const w = setup({}, (file) => file.endsWith("a11.mjs"));
    const a = w.write("a11.mjs", "a");
    const b = w.write("b11.mjs", "b");
    await w.watch(a, b);
    assert.deepEqual(w.batches, [["a11.mjs:1"]]);
  });

  test("without the runtime's answer, a file modified shortly before it was handed over is looked at", async () => {
    const w = setup();
    const a = w.write("a12.mjs", "a", true);
    const b = w.write("b12.mjs", "b");
    await w.watch(a, b);
    assert.deepEqual(w.batches, [["a12.mjs:1"]]);
  });

  test("files handed over once the watch runs are added to it in one batch, and looked at 30 ms and 300 ms later", async () => {
    let saved = false;
    const w = setup({}, () => saved);
    const a = w.write("a13.mjs", "a");
    await w.watch(a);
    const b = w.write("b13.mjs", "b");
    const c = w.write("c13.mjs", "c");
    w.watcher.add(b);
    w.watcher.add(c);
    await w.clock.advance();
    assert.deepEqual(w.chokidar.watcher(0).paths, [a, b, c]);
    await w.clock.advance(30);
    assert.deepEqual(w.batches, []);
    saved = true;
    await w.clock.advance(270);
    assert.deepEqual(w.batches, [["b13.mjs:1", "c13.mjs:1"]]);
  });
});

describe("errors", () => {
  test("when a watch cannot be set up, every file is polled from then on, by a new chokidar watcher", async () => {
    const w = setup();
    const a = w.write("a14.mjs", "a");
    const b = w.write("b14.mjs", "b");
    await w.watch(a, b);
    w.chokidar.watcher(0).fail("EMFILE");
    await w.clock.advance();
    assert.equal(w.chokidar.opened.length, 2);
    assert.equal(w.chokidar.watcher(0).closed, true);
    const polling = w.chokidar.watcher(1);
    assert.deepEqual(polling.paths, [a, b]);
    assert.deepEqual([polling.options.usePolling, polling.options.interval], [true, 250]);
    assert.deepEqual(w.errors, []);
    // The old watcher's late word changes nothing: the files are polled already.
    w.chokidar.watcher(0).fail("ENOSPC");
    assert.equal(w.chokidar.opened.length, 2);
    polling.ready();
    w.write("a14.mjs", "aa");
    w.event(a);
    await w.clock.advance();
    assert.deepEqual(w.batches, [["a14.mjs:2"]]);
  });

  test("an error that is no watch failure is reported, and the watch goes on", async () => {
    const w = setup();
    const a = w.write("a15.mjs", "a");
    await w.watch(a);
    const problem = Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
    w.chokidar.watcher(0).emit("error", problem);
    assert.deepEqual(w.errors, [problem]);
    assert.equal(w.chokidar.opened.length, 1);
    w.event(a);
    await w.clock.advance();
    assert.deepEqual(w.batches, [["a15.mjs:1"]]);
  });

  test("close stops the pending batch and chokidar", async () => {
    const w = setup({ settleMs: 50, quickMs: 50 });
    const a = w.write("a16.mjs", "a");
    await w.watch(a);
    w.event(a);
    await w.watcher.close();
    await w.clock.advance(1000);
    assert.deepEqual(w.batches, []);
    assert.equal(w.chokidar.watcher(0).closed, true);
  });
});
