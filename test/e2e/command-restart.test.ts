/**
 * The `hotload` command's restarts (issue 13): the new process starts first and the old one
 * stops only once the new one listens, so a server under a steady request loop answers every
 * request across restarts; a new version that cannot start never replaces a working one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, edit, replaceIn } from "../helpers/e2e.js";
import { hotload, stop } from "../helpers/command.js";
import { freePort, startLoad } from "../helpers/load.js";

/**
 * The restart path: a change nothing accepts restarts (without this, a change reaching an entry
 * with no hot code is applied in place, in the same process).
 */
const RESTART_PATH = { HOTLOAD_IN_PLACE: "0" };

/** Saves version.mjs with `version` (each one longer than the last, so the length changes). */
function saveVersion(dir: string, version: string): void {
  edit(join(dir, "version.mjs"), `export const version = "${version}";\n`);
}

for (const keepAlive of [true, false]) {
  const how = keepAlive ? "keep-alive connections" : "a fresh connection per request";
  test(`restarts under a request loop over ${how} drop no request`, async (t) => {
    const dir = copyFixture("cli-server");
    const port = await freePort();
    const run = hotload(dir, ["app.mjs"], { env: { PORT: String(port), ...RESTART_PATH } });
    await run.waitForLine(/^listening pid=\d+ version=v1$/);
    const load = startLoad(port, { keepAlive });
    t.after(() => load.stop());
    const restarts = 6;
    for (let i = 2; i < 2 + restarts; i++) {
      const since = run.mark();
      const version = `v${"0".repeat(i)}${i}`;
      saveVersion(dir, version);
      await run.waitForLine(new RegExp(`^listening pid=\\d+ version=${version}$`), 15_000, since);
      await run.waitForLine(
        /^\[hotload\] restart: \.\/version\.mjs changed and nothing accepts it — new process ready in \d+ ms$/,
        15_000,
        since,
      );
      // Requests answered by the new version before the next save.
      const seen = load.snapshot().ok;
      while (load.snapshot().ok < seen + 20) await new Promise((wake) => setImmediate(wake));
    }
    const result = await load.stop();
    assert.equal(result.failed, 0, `failed: ${result.reasons.join(", ")}\n${run.output()}`);
    // One line per restart: the program does not also say "restart needed".
    assert.equal(run.lines.filter((line) => /restart needed|cannot hot-update/.test(line)).length, 0, run.output());
    assert.ok(result.bodies.has(`version=v${"0".repeat(2 + restarts - 1)}${2 + restarts - 1}`), [...result.bodies].join(", "));
    assert.ok(result.ok > 100, `only ${result.ok} requests answered`);
    assert.equal(await stop(run), "SIGTERM");
  });
}

test("a version that throws at start-up never replaces the running one; the fix takes over", async () => {
  const dir = copyFixture("cli-crash");
  const lib = join(dir, "lib.mjs");
  const run = hotload(dir, ["app.mjs"], { env: RESTART_PATH });
  const first = await run.waitForLine(/^started pid=\d+ value=one$/);
  let since = run.mark();
  replaceIn(lib, '"one"', '"boom"');
  await run.waitForLine(
    /^\[hotload\] restart: \.\/lib\.mjs changed and nothing accepts it — the new process exited with code 1 before it was ready; the previous version keeps running until the next change$/,
    15_000,
    since,
  );
  assert.equal(run.lines.slice(since).filter((line) => /^Error: boom from lib\.mjs/.test(line)).length, 1, run.output());
  assert.ok(!run.output().includes("waiting for a change"), run.output());
  since = run.mark();
  replaceIn(lib, '"boom"', '"fixed"');
  await run.waitForLine(/^started pid=\d+ value=fixed$/, 15_000, since);
  await run.waitForLine(/^\[hotload\] restart: \.\/lib\.mjs changed.* — new process ready in \d+ ms$/, 15_000, since);
  assert.notEqual(
    first,
    run.lines.find((line) => /value=fixed$/.test(line)),
  );
  assert.equal(await stop(run), "SIGTERM");
});

test("after in-place updates handed its server over, a restart under a request loop drops no request", async (t) => {
  const dir = copyFixture("cli-server");
  const port = await freePort();
  const run = hotload(dir, ["app.mjs"], { env: { PORT: String(port) } });
  await run.waitForLine(/^listening pid=\d+ version=v1$/);
  const load = startLoad(port, { keepAlive: true });
  t.after(() => load.stop());
  for (let i = 2; i < 5; i++) {
    let since = run.mark();
    const version = `v${"0".repeat(i)}${i}`;
    saveVersion(dir, version);
    // In place: the same process runs the entry again, and its new server takes the socket.
    await run.waitForLine(new RegExp(`^listening pid=\\d+ version=${version}$`), 15_000, since);
    since = run.mark();
    run.child.kill("SIGHUP");
    await run.waitForLine(/^\[hotload\] restart: restart requested \(SIGHUP\) — new process ready in \d+ ms$/, 15_000, since);
    const seen = load.snapshot().ok;
    while (load.snapshot().ok < seen + 20) await new Promise((wake) => setImmediate(wake));
  }
  const result = await load.stop();
  assert.equal(result.failed, 0, `failed: ${result.reasons.join(", ")}\n${run.output()}`);
  assert.equal(await stop(run), "SIGTERM");
});
