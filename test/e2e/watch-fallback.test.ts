/**
 * When the OS gives no file watch (issue 22, case 7: inotify instances used up by editors, Docker
 * and other watchers make fs.watch fail with EMFILE; watches used up, ENOSPC; a folder it may not
 * watch, EACCES), both watchers, the program's (src/watch/watcher.ts) and the command's
 * (src/command/watch.ts), poll instead, say so in one line, and miss no save. fs.watch fails
 * here as the OS makes it fail (node:fs's own function, which chokidar imports, replaced for the
 * test); the files, chokidar and its polling are real.
 * And the command's watch reports a change of content only: a touch, or a rewrite with the same
 * bytes, is none (case 8: `touch .env` restarted the program).
 */
import assert from "node:assert/strict";
import fs, { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { compileGlob } from "../../src/command/glob.js";
import { watchFiles, watchGlobs } from "../../src/command/watch.js";
import { DEFAULT_WATCHER_OPTIONS, Watcher } from "../../src/watch/watcher.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A file in a folder of its own, last modified an hour ago (so no look at "recent" files finds it). */
function oldFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hotload-watch-fallback-"));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(file, hourAgo, hourAgo);
  return file;
}

/** Makes every fs.watch call fail with `code`, as the OS does, until the test ends; counts the calls. */
function failWatches(t: TestContext, code: string): { calls: number } {
  const real = fs.watch;
  const counted = { calls: 0 };
  fs.watch = ((path: fs.PathLike) => {
    counted.calls++;
    throw Object.assign(new Error(`${code}: the OS gives no watch, watch '${String(path)}'`), {
      code,
      errno: -24,
      syscall: "watch",
      path: String(path),
    });
  }) as typeof fs.watch;
  syncBuiltinESMExports();
  t.after(() => {
    fs.watch = real;
    syncBuiltinESMExports();
  });
  return counted;
}

/** What hotload writes to stderr while the test runs. */
function stderrOf(t: TestContext): string[] {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  t.mock.method(process.stderr, "write", (chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes("[hotload]")) lines.push(...text.split("\n").filter(Boolean));
    else return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    return true;
  });
  return lines;
}

/** Resolves when `check` holds, polled; rejects with `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const POLLING_LINE = /polling every 250 ms instead/;

describe("when fs.watch fails, files are polled and no save is lost", () => {
  for (const code of ["EMFILE", "EACCES"]) {
    test(`the program's watcher (${code}): saves after the failure are handed over, no error is reported`, async (t) => {
      const watches = failWatches(t, code);
      const said = stderrOf(t);
      const file = oldFile("dep.mjs", "export const v = 1;\n");
      const loaded = readFileSync(file, "utf8");
      const batches: string[][] = [];
      const errors: unknown[] = [];
      const watcher = new Watcher(
        async (batch) => void batches.push([...batch.changed]),
        (error) => void errors.push(error),
        { ...DEFAULT_WATCHER_OPTIONS, pollMs: undefined },
        (path) => readFileSync(path, "utf8") !== loaded,
      );
      t.after(() => watcher.close());
      watcher.add(file);
      // The first save, as soon as the watch failed.
      await until(() => watches.calls > 0, "a watch was asked for");
      writeFileSync(file, "export const v = 22;\n");
      await until(() => batches.some((b) => b.includes(file)), "the first save was handed over");
      // The second, once the first was handled: only a working watch (or poll) sees it.
      const seen = batches.length;
      writeFileSync(file, "export const v = 333;\n");
      await until(() => batches.slice(seen).some((b) => b.includes(file)), "the second save was handed over");
      assert.deepEqual(errors, []);
      assert.equal(said.filter((line) => POLLING_LINE.test(line)).length <= 1, true, said.join("\n"));
    });
  }

  test("the command's watch of files (EMFILE): a save once it is ready is reported", async (t) => {
    failWatches(t, "EMFILE");
    const said = stderrOf(t);
    const file = oldFile("app.mjs", "console.log(1);\n");
    const changes: string[] = [];
    const watch = watchFiles([file], [], (changed) => void changes.push(changed));
    t.after(() => watch.close());
    await watch.ready;
    writeFileSync(file, "console.log(22);\n");
    await until(() => changes.includes(file), "the save was reported");
    assert.ok(!said.some((line) => /watching files/.test(line)), said.join("\n"));
  });

  test("the command's watch of --restart globs (EMFILE): a save once it is ready is reported", async (t) => {
    failWatches(t, "EMFILE");
    const said = stderrOf(t);
    const file = oldFile(".env", "PORT=1\n");
    const changes: string[] = [];
    const watch = watchGlobs([compileGlob(".env", join(file, ".."))], [], (changed) => void changes.push(changed));
    t.after(() => watch.close());
    await watch.ready;
    writeFileSync(file, "PORT=22\n");
    await until(() => changes.includes(file), "the save was reported");
    assert.ok(!said.some((line) => /watching files/.test(line)), said.join("\n"));
  });
});

describe("the command's watch reports a change of content, not a touch", () => {
  test("touching .env, or writing the same bytes again, is no change; the next edit is one", async (t) => {
    const file = oldFile(".env", "PORT=1\n");
    const marker = join(file, "..", "marker.txt");
    writeFileSync(marker, "0\n");
    const changes: string[] = [];
    const dir = join(file, "..");
    const watch = watchGlobs([compileGlob(".env", dir), compileGlob("marker.txt", dir)], [], (changed) => void changes.push(changed));
    t.after(() => watch.close());
    await watch.ready;
    const now = new Date();
    utimesSync(file, now, now);
    writeFileSync(file, "PORT=1\n");
    // A save of another file of the same watch after them: once it is reported, theirs were seen.
    writeFileSync(marker, "1\n");
    await until(() => changes.includes(marker), "the marker's save was reported");
    assert.deepEqual(changes, [marker]);
    writeFileSync(file, "PORT=22\n");
    await until(() => changes.includes(file), "the edit was reported");
    assert.deepEqual(changes, [marker, file]);
  });
});
