/**
 * In place, a program cannot tell an update from a restart through `process`: its shutdown handler
 * is there at every moment of an update (a signal that comes while the new version starts reaches
 * the new version's handler, or kills the process as plain node would when it has none), a failed
 * update keeps the old handler, a program that was told to stop is not started again, and the new
 * version starts with Node's exit code, not the one its old version set.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

interface Version {
  readonly rev: number;
  /** Milliseconds its start waits (a top-level await) before it adds its SIGTERM handler. */
  readonly slow?: number;
  /** Whether it has a SIGTERM handler (default true). */
  readonly handler?: boolean;
  /** How long its handler drains before it lets the program end (ms). */
  readonly drain?: number;
  /** The exit code its top-level code sets. */
  readonly exitCode?: number;
  /** It throws once it started. */
  readonly throws?: boolean;
  /** It sets the uncaught exception capture callback (which may be set once). */
  readonly captures?: boolean;
  /** It handles uncaught exceptions, and throws one on SIGUSR2. */
  readonly catches?: boolean;
  /** The package that adds its SIGTERM listener (default: its own `process.on`). */
  readonly via?: "shutdown-helper" | "exit-once";
}

/** The entry's source for `version`: it prints what it sees of `process` as it starts. */
function source(version: Version): string {
  const { rev, slow = 0, handler = true, drain = 0, exitCode, throws = false, via, catches = false, captures = false } = version;
  const onSigterm =
    via === undefined
      ? `process.on("SIGTERM", () => { console.log("SIGTERM handled by rev ${rev}"); setTimeout(stop, ${drain}); });`
      : `onShutdown("rev ${rev}", () => setTimeout(stop, ${drain}));`;
  return [
    'import { onSigusr2, stop } from "./keepalive.mjs";',
    via === undefined ? "" : `import onShutdown from "${via}";`,
    `console.log("evaluating rev ${rev}");`,
    slow > 0 ? `await new Promise((resolve) => setTimeout(resolve, ${slow}));` : "",
    throws ? `throw new Error("rev ${rev} fails");` : "",
    exitCode === undefined ? "" : `process.exitCode = ${exitCode};`,
    captures ? `process.setUncaughtExceptionCaptureCallback(() => {});\nconsole.log("capture set by rev ${rev}");` : "",
    catches
      ? `process.on("uncaughtException", (error) => console.log(\`caught by rev ${rev}: \${error.message}\`));\n` + `onSigusr2(${rev});`
      : "",
    handler ? onSigterm : "stop();\nsetInterval(() => {}, 60_000);",
    `console.log(\`ready rev ${rev}: \${process.listenerCount("SIGTERM")} SIGTERM listener(s), exit code \${process.exitCode}\`);`,
    "",
  ].join("\n");
}

function start(first: Version): { run: Running; entry: string } {
  const dir = copyFixture("inplace-signals");
  const entry = join(dir, "app.mjs");
  writeFileSync(entry, source(first));
  return { run: spawnHot(entry), entry };
}

/** How the edited program's run ends under plain node, told SIGTERM once it is ready. */
async function plainEnding(entry: string, rev: number): Promise<{ lines: string[]; ending: number | string }> {
  const run = spawnCommand(process.execPath, [entry]);
  await run.waitForLine(`ready rev ${rev}`);
  run.child.kill("SIGTERM");
  const ending = await run.exited;
  return { lines: run.lines, ending };
}

test("a SIGTERM that comes while the new version starts reaches the new version's handler once", async () => {
  const { run, entry } = start({ rev: 1 });
  await run.waitForLine("ready rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 2, slow: 500, exitCode: 0 }));
  await run.waitForLine("evaluating rev 2", 10_000, since);
  // The old handler is gone now, and the new one not there yet.
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
  const handled = run.lines.filter((line) => line.startsWith("SIGTERM handled"));
  assert.deepEqual(handled, ["SIGTERM handled by rev 2"], run.output());
  assert.ok(run.lines.includes("ready rev 2: 1 SIGTERM listener(s), exit code 0"), run.output());
  const plain = await plainEnding(entry, 2);
  assert.equal(plain.ending, 0);
  assert.deepEqual(
    plain.lines.filter((line) => line.startsWith("SIGTERM handled")),
    handled,
  );
});

test("a SIGTERM that comes while a new version without a handler starts ends the process as plain node's", async () => {
  const { run, entry } = start({ rev: 1 });
  await run.waitForLine("ready rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 22, slow: 500, handler: false }));
  await run.waitForLine("evaluating rev 22", 10_000, since);
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, "SIGTERM", run.output());
  assert.equal((await plainEnding(entry, 22)).ending, "SIGTERM");
});

test("an update that fails keeps the old version's SIGTERM handler", async () => {
  const { run, entry } = start({ rev: 1 });
  await run.waitForLine("ready rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 2, throws: true }));
  await run.waitForLine(/^\[hotload\] .*(failed|keeping the previous version|rolled back to the previous version)/, 10_000, since);
  run.child.kill("SIGTERM");
  await run.waitForLine("SIGTERM handled by rev 1", 10_000, since);
  assert.equal(await run.exited, 0, run.output());
});

test("a program that handled SIGTERM is not started again by a save while it drains", async () => {
  const { run, entry } = start({ rev: 1, drain: 1500 });
  await run.waitForLine("ready rev 1");
  run.child.kill("SIGTERM");
  await run.waitForLine("SIGTERM handled by rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 2 }));
  await run.waitForLine(/^\[hotload\] cannot update \.\/app\.mjs in place: the program is shutting down/, 10_000, since);
  assert.equal(await run.exited, 0, run.output());
  assert.ok(!run.lines.includes("evaluating rev 2"), run.output());
});

test("the new version starts with Node's exit code, not the one its old version set", async () => {
  const { run, entry } = start({ rev: 1, exitCode: 3 });
  await run.waitForLine("ready rev 1: 1 SIGTERM listener(s), exit code 3");
  const since = run.mark();
  edit(entry, source({ rev: 22 }));
  await run.waitForLine("ready rev 22", 10_000, since);
  assert.ok(run.lines.includes("ready rev 22: 1 SIGTERM listener(s), exit code undefined"), run.output());
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
  assert.equal((await plainEnding(entry, 22)).ending, 0);
});

for (const [via, what] of [
  ["shutdown-helper", "a package that adds a SIGTERM listener per call: the new version's replaces the old one's"],
  ["exit-once", "a package that adds its SIGTERM listener once: it stays for the new version"],
] as const) {
  test(what, async () => {
    const { run, entry } = start({ rev: 1, via });
    await run.waitForLine("ready rev 1: 1 SIGTERM listener(s)");
    const since = run.mark();
    edit(entry, source({ rev: 22, via }));
    await run.waitForLine(/^\[hotload\] updated \.\/app\.mjs/, 10_000, since);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0, run.output());
    const handled = run.lines.filter((line) => line.startsWith("SIGTERM handled"));
    assert.deepEqual(handled, ["SIGTERM handled by rev 22"], run.output());
    const plain = await plainEnding(entry, 22);
    assert.deepEqual(
      plain.lines.filter((line) => line.startsWith("SIGTERM handled")),
      handled,
    );
  });
}

test("an error nobody catches while the new version starts reaches the old version's handler, as the old process's would", async () => {
  const { run, entry } = start({ rev: 1, catches: true });
  await run.waitForLine("ready rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 2, slow: 500, catches: true }));
  await run.waitForLine("evaluating rev 2", 10_000, since);
  // The old version's work throws: its uncaughtException handler is gone, the new one not there yet.
  run.child.kill("SIGUSR2");
  await run.waitForLine("caught by rev 1: thrown by rev 1", 10_000, since);
  await run.waitForLine(/^\[hotload\] updated \.\/app\.mjs/, 10_000, since);
  run.child.kill("SIGUSR2");
  await run.waitForLine("caught by rev 2: thrown by rev 2", 10_000, since);
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
});

test("the new version sets the uncaught exception capture callback again, as after a restart", async () => {
  const { run, entry } = start({ rev: 1, captures: true });
  await run.waitForLine("capture set by rev 1");
  const since = run.mark();
  edit(entry, source({ rev: 22, captures: true }));
  await run.waitForLine(/^\[hotload\] updated \.\/app\.mjs/, 10_000, since);
  assert.ok(run.lines.includes("capture set by rev 22"), run.output());
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0, run.output());
});
