/**
 * When an in-place update is not what happens (issue 16): turned off with HOTLOAD_IN_PLACE=0, an
 * entry that declines, an in-place update that throws after its new code started a server (one that
 * throws before is rolled back whole: inplace-rollback.test.ts). The `hotload` command restarts; plain
 * `node --import hotload` says so in one line and applies the next good save in place.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnCli, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

const pidOf = (line: string): number => Number(/pid=(\d+)/.exec(line)?.[1]);
const setValue = (dir: string, value: string): void => edit(join(dir, "lib.mjs"), `export const value = "${value}";\n`);
const count = (run: Running, pattern: RegExp): number => run.lines.filter((line) => pattern.test(line)).length;

test("an entry with no hot code is updated in place: same process, no restart line", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnHot(join(dir, "app.mjs"));
  const first = pidOf(await run.waitForLine(/^started pid=\d+ value=one$/));
  const since = run.mark();
  setValue(dir, "two!");
  assert.equal(pidOf(await run.waitForLine(/^started pid=\d+ value=two!$/, 10_000, since)), first);
  await run.waitForLine(/^\[hotload\] updated \.\/lib\.mjs → \.\/app\.mjs/, 10_000, since);
  assert.equal(count(run, /cannot hot-update/), 0, run.output());
  await run.kill();
});

test("HOTLOAD_IN_PLACE=0 keeps the dead end at the entry: restart needed, the previous version keeps running", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnHot(join(dir, "app.mjs"), { env: { HOTLOAD_IN_PLACE: "0" } });
  await run.waitForLine(/^started pid=\d+ value=one$/);
  const since = run.mark();
  setValue(dir, "two!");
  await run.waitForLine(/^\[hotload\] cannot hot-update \.\/lib\.mjs: nothing accepts it \(\.\/lib\.mjs → \.\/app\.mjs\)/, 10_000, since);
  assert.equal(count(run, /^started /), 1, run.output());
  await run.kill();
});

test("an entry that calls decline() keeps today's behaviour: declined, restart needed", async () => {
  const dir = copyFixture("inplace-restart");
  edit(join(dir, "app.mjs"), (old) => `${old}import.meta.hot?.decline();\n`);
  const run = spawnHot(join(dir, "app.mjs"));
  await run.waitForLine(/^started pid=\d+ value=one$/);
  const since = run.mark();
  setValue(dir, "two!");
  await run.waitForLine(/^\[hotload\] cannot hot-update \.\/lib\.mjs: \.\/app\.mjs declined updates/, 10_000, since);
  assert.equal(count(run, /^started /), 1, run.output());
  await run.kill();
});

test("plain node: an in-place update that throws after its new code listened is one line more, and the next good save applies in place", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnHot(join(dir, "app.mjs"));
  const first = pidOf(await run.waitForLine(/^started pid=\d+ value=one$/));
  let since = run.mark();
  setValue(dir, "boom");
  await run.waitForLine(/^\[hotload\] .*app\.mjs:10:\d+ Error: boom from lib\.mjs/, 10_000, since);
  await run.waitForLine(
    /^\[hotload\] in-place update of \.\/lib\.mjs failed after its old version stopped: restart to be sure/,
    10_000,
    since,
  );
  since = run.mark();
  setValue(dir, "fixed!");
  assert.equal(pidOf(await run.waitForLine(/^started pid=\d+ value=fixed!$/, 10_000, since)), first);
  await run.waitForLine(/^\[hotload\] updated \.\/lib\.mjs/, 10_000, since);
  assert.equal(count(run, /in-place update of/), 1, run.output());
  await run.kill();
});

test("the hotload command restarts the app when an in-place update throws after its new code listened", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnCli(["app.mjs"], { cwd: dir });
  const first = pidOf(await run.waitForLine(/^started pid=\d+ value=one$/));
  let since = run.mark();
  setValue(dir, "two-two");
  assert.equal(pidOf(await run.waitForLine(/^started pid=\d+ value=two-two$/, 10_000, since)), first);
  since = run.mark();
  setValue(dir, "boom");
  await run.waitForLine(/^\[hotload\] restart: the in-place update of \.\/lib\.mjs failed/, 10_000, since);
  since = run.mark();
  setValue(dir, "three!!");
  // The restarted version threw at start-up too, so the first process kept running (issue 13);
  // this save reaches it in place, and starts a new process that takes over.
  await run.waitForLine(new RegExp(`^started pid=(?!${first}\\b)\\d+ value=three!!$`), 10_000, since);
  await run.kill("SIGTERM");
});

test("the hotload command starts a fresh process for new code that failed as it ran again in place, where it runs as after a plain restart", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnCli(["once.mjs"], { cwd: dir });
  const first = pidOf(await run.waitForLine(/^once pid=\d+ value=one$/));
  const since = run.mark();
  setValue(dir, "two!");
  await run.waitForLine(/^\[hotload\] .*once\.mjs:6:\d+ TypeError: Cannot redefine property: APP_VALUE — rolled back/, 10_000, since);
  await run.waitForLine(
    /^\[hotload\] restart: the new code of \.\/lib\.mjs failed as it ran again in place: a fresh process tries it — new process ready/,
    10_000,
    since,
  );
  const second = pidOf(await run.waitForLine(/^once pid=\d+ value=two!$/, 10_000, since));
  assert.notEqual(second, first);
  await run.kill("SIGTERM");
});

test("under the hotload command, new code that throws in place and in a fresh process leaves the previous version serving, and it takes the next good save in place", async () => {
  const dir = copyFixture("inplace-restart");
  const run = spawnCli(["throws.mjs"], { cwd: dir });
  const first = pidOf(await run.waitForLine(/^throws pid=\d+ value=one$/));
  let since = run.mark();
  setValue(dir, "bad-value");
  await run.waitForLine(/^\[hotload\] .*throws\.mjs:6:\d+ Error: bad value from lib\.mjs — rolled back/, 10_000, since);
  await run.waitForLine(
    /the new process exited with code 1 before it was ready; the previous version keeps running and takes the next save in place$/,
    10_000,
    since,
  );
  since = run.mark();
  setValue(dir, "good!");
  assert.equal(pidOf(await run.waitForLine(/^throws pid=\d+ value=good!$/, 10_000, since)), first);
  await run.waitForLine(/^\[hotload\] updated \.\/lib\.mjs → \.\/throws\.mjs/, 10_000, since);
  // A restart at that save too would start a second process with the same code.
  const settled = run.mark();
  setValue(dir, "last!!");
  await run.waitForLine(/^throws pid=\d+ value=last!!$/, 10_000, settled);
  assert.deepEqual(
    run.lines.slice(since).filter((line) => /^throws pid=|^\[hotload\] restart:/.test(line)),
    [`throws pid=${first} value=good!`, `throws pid=${first} value=last!!`],
    run.output(),
  );
  await run.kill("SIGTERM");
});
