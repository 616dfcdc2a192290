/**
 * Polling (issue 13): `HOTLOAD_POLL=<ms>` for `node --import hotload`, `--poll[=<ms>]` for the
 * command. Updates and restarts work as with the OS's watches, and no inotify watch is held at
 * all, by the program or by the command (counted in /proc).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCli, spawnHot, type Running } from "../helpers/e2e.js";
import { CAN_COUNT_INOTIFY, inotifyWatches } from "../helpers/inotify.js";

const runs: Running[] = [];
after(async () => {
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGTERM");
    await run.exited;
  }
  await cleanup();
});

function pidOf(line: string): number {
  return Number(/pid=(\d+)/.exec(line)?.[1]);
}

const skip = CAN_COUNT_INOTIFY ? false : "needs Linux's /proc to count inotify watches";

test("without polling the program holds inotify watches (the count below can see them)", { skip }, async () => {
  const dir = copyFixture("cli-basic");
  const run = spawnHot(join(dir, "app.mjs"), { ipc: false });
  runs.push(run);
  const pid = pidOf(await run.waitForLine(/^started pid=\d+ /));
  const since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), '"hello"', '"hello again"');
  await run.waitForLine(/^greeting updated pid=\d+ greeting=hello again$/, 10_000, since);
  assert.ok(inotifyWatches(pid) > 0, "no inotify watch found: the count cannot tell");
});

test("HOTLOAD_POLL: updates apply, and the program holds no inotify watch", { skip }, async () => {
  const dir = copyFixture("cli-basic");
  const run = spawnHot(join(dir, "app.mjs"), { env: { HOTLOAD_POLL: "40" } });
  runs.push(run);
  const pid = pidOf(await run.waitForLine(/^started pid=\d+ /));
  for (const [from, next] of [
    ["hello", "hello again"],
    ["hello again", "hello once more"],
  ] as const) {
    const since = run.mark();
    replaceIn(join(dir, "greeting.mjs"), `"${from}"`, `"${next}"`);
    await run.waitForLine(new RegExp(`^greeting updated pid=${pid} greeting=${next}$`), 10_000, since);
  }
  assert.equal(inotifyWatches(pid), 0, run.output());
});

test("hotload --poll: updates and restarts work, with no inotify watch in the command or the program", { skip }, async () => {
  const dir = copyFixture("cli-basic");
  const run = spawnCli(["--poll=40", "app.mjs"], { cwd: dir });
  runs.push(run);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ /));
  let since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), '"hello"', '"hi there"');
  await run.waitForLine(new RegExp(`^greeting updated pid=${first} greeting=hi there$`), 10_000, since);
  since = run.mark();
  replaceIn(join(dir, "config.mjs"), '"one"', '"two-two"');
  const second = pidOf(await run.waitForLine(/^started pid=\d+ config=two-two /, 10_000, since));
  await run.waitForLine(/^\[hotload\] restart: \.\/config\.mjs changed and nothing accepts it/, 10_000, since);
  assert.equal(inotifyWatches(second), 0, run.output());
  assert.equal(inotifyWatches(run.child.pid!), 0, "the command holds inotify watches");
  await run.kill("SIGTERM");
});
