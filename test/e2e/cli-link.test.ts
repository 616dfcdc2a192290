/**
 * The `hotload` command hears from its app over a pipe of its own, not over Node's IPC channel
 * (issue 10): a program that closes "its" channel with `process.disconnect()` runs on, as under
 * plain node, and still gets hot updates and restarts. Each test runs the real command on a temp
 * copy of fixtures/cli-disconnect, with and without --no-overlap: either way the program is a plain
 * process (issue 22), with no channel of Node's unless its own parent gave it one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, replaceIn } from "../helpers/e2e.js";
import { hotload, stop } from "../helpers/command.js";

function pidOf(line: string): number {
  const match = /pid=(\d+)/.exec(line);
  assert.ok(match, `no pid in ${JSON.stringify(line)}`);
  return Number(match[1]);
}

/** The program lives on after closing its channel: an accepted change applies in the same process, a change nothing accepts restarts it. */
async function survives(args: string[], late: string): Promise<void> {
  const dir = copyFixture("cli-disconnect");
  const run = hotload(dir, args);
  const started = new RegExp(`^started pid=\\d+ channel=none config=one greeting=hello late=${late}$`);
  const first = pidOf(await run.waitForLine(started));
  let since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), '"hello"', '"hi there"');
  const updated = await run.waitForLine(/^greeting updated pid=\d+ greeting=hi there$|^\[hotload\] .* (was killed|crashed)/, 10_000, since);
  assert.equal(pidOf(updated), first, run.output());
  since = run.mark();
  replaceIn(join(dir, "config.mjs"), '"one"', '"two-two"');
  const second = pidOf(await run.waitForLine(/^started pid=\d+ channel=none config=two-two /, 10_000, since));
  assert.notEqual(second, first);
  await run.waitForLine(/^\[hotload\] restart: \.\/config\.mjs changed and nothing accepts it/, 10_000, since);
  assert.ok(!/was killed|crashed|ERR_IPC_CHANNEL_CLOSED/.test(run.output()), run.output());
  assert.equal(await stop(run), "SIGTERM");
}

test("a program that calls process.disconnect() keeps running under the command, with updates and restarts", async () => {
  await survives(["--no-overlap", "app.mjs"], "no");
});

test("a program that loads a module after process.disconnect() does not crash: hotload reports files on its own pipe", async () => {
  await survives(["--no-overlap", "app.mjs", "late"], "yes");
});

test("with restarts that overlap (the default), a program that calls process.disconnect() keeps running too", async () => {
  await survives(["app.mjs"], "no");
});
