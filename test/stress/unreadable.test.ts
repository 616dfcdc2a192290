/**
 * Hardening (issue 6): a file that turns into a directory, or that cannot be read, is reported
 * once, naming it; the process keeps running and other updates apply; when it is a readable file
 * again, its next save applies. fixtures/stress-app imports and accepts dep.mjs and other.mjs.
 *
 * chmod 000 does not stop root from reading a file. Run as root (as in CI containers), the app is
 * started as user nobody (65534) instead, through a preload that drops privileges.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, type Running } from "../helpers/e2e.js";
import { inotifyInodes, startApp, versioned, watchedPaths } from "./harness.js";

after(cleanup);

const FILES = { "dep.mjs": versioned("dep", 1), "other.mjs": versioned("other", 1) };
const SPECS = ["./dep.mjs", "./other.mjs"];

/** Lines after `since` that report `file` (not the "updated" ones). */
const reports = (run: Running, file: string, since: number): string[] =>
  run.lines.slice(since).filter((line) => line.startsWith(`[hotload] ${file} `) && !line.startsWith("[hotload] updated"));

/** Saves other.mjs and waits for it to be accepted: updates still work. */
async function otherUpdatesStillApply(run: Running, dir: string, v: number): Promise<void> {
  const since = run.mark();
  writeFileSync(join(dir, "other.mjs"), versioned("other", v));
  await run.waitForLine(`accepted ./other.mjs v=${v}`, 10_000, since);
}

describe("a file that turns into a directory", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    ({ dir, run } = await startApp(FILES, SPECS));
    // The watcher starts after the first modules ran: an applied save shows it is running.
    await otherUpdatesStillApply(run, dir, 2);
  });

  for (const [round, inside] of [
    [1, false],
    [2, true],
  ] as const) {
    test(`is reported once, the rest keeps working, and it applies when it is a file again${inside ? " (a directory with a file in it)" : ""}`, async () => {
      const dep = join(dir, "dep.mjs");
      const since = run.mark();
      unlinkSync(dep);
      mkdirSync(dep);
      if (inside) writeFileSync(join(dep, "index.mjs"), "export const v = 0;\n");
      const line = await run.waitForLine(
        new RegExp(`^\\[hotload\\] ${dep.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} (was deleted|cannot be read)`),
        10_000,
        since,
      );
      assert.match(line, /the previous version keeps running/);

      await otherUpdatesStillApply(run, dir, round * 10);
      rmSync(dep, { recursive: true });
      writeFileSync(dep, versioned("dep", round * 10));
      await run.waitForLine(`accepted ./dep.mjs v=${round * 10}`, 10_000, since);
      await otherUpdatesStillApply(run, dir, round * 10 + 1);
      assert.equal(reports(run, dep, since).length, 1, run.output());
      // Nothing is watched but the app's folder and its files: not the directory dep.mjs was.
      const inodes = inotifyInodes(run.child.pid!);
      if (inodes !== undefined) {
        const extra = watchedPaths(inodes, dir).filter((path) => path !== dir && !/\.(mjs|json)$/.test(path));
        assert.deepEqual(extra, [], "watches besides the app's folder and files");
      }
    });
  }
});

describe("a file that cannot be read", () => {
  const root = process.getuid?.() === 0;
  let dir = "";
  let run: Running;

  before(async () => {
    ({ dir, run } = await startApp(FILES, SPECS, {
      nodeArgs: root ? ["--import", "data:text/javascript,process.setgid(65534);process.setuid(65534);"] : [],
      // The copy is private to its creator (mkdtemp): let the app's user read it.
      setup: (copy) => void chmodSync(copy, 0o755),
    }));
    // The watcher starts after the first modules ran: an applied save shows it is running. (A
    // chmod before that is not seen: the watcher only looks for files modified meanwhile.)
    await otherUpdatesStillApply(run, dir, 2);
  });

  test("(chmod 000) is reported once as unreadable, the rest keeps working, and its next save applies once it is readable", async () => {
    const dep = join(dir, "dep.mjs");
    const since = run.mark();
    chmodSync(dep, 0o000);
    const line = await run.waitForLine(`[hotload] ${dep} cannot be read (EACCES)`, 10_000, since);
    assert.match(line, /the previous version keeps running/);
    await otherUpdatesStillApply(run, dir, 3);
    if (root) {
      // A save while it is unreadable (root can write it) is applied once it can be read.
      writeFileSync(dep, versioned("dep", 2));
      await otherUpdatesStillApply(run, dir, 4);
      assert.ok(!run.lines.slice(since).includes("dep v2 evaluated"), run.output());
      chmodSync(dep, 0o644);
    } else {
      chmodSync(dep, 0o644);
      writeFileSync(dep, versioned("dep", 2));
    }
    await run.waitForLine("accepted ./dep.mjs v=2", 10_000, since);
    assert.equal(reports(run, dep, since).length, 1, run.output());
  });
});
