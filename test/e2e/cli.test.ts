/**
 * The `hotload` command (issue 3): hot updates first, a restart only when nothing can accept,
 * and otherwise out of the way (output, signals and exit codes are the app's). Every test runs
 * the real command on a temp copy of a fixtures/cli-* app and waits for lines with deadlines.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { CLI, copyFixture, edit, replaceIn, ROOT, spawnCli, spawnCommand, type Running } from "../helpers/e2e.js";
import { hotload, stop, stopAfter } from "../helpers/command.js";

function pidOf(line: string): number {
  const match = /pid=(\d+)/.exec(line);
  assert.ok(match, `no pid in ${JSON.stringify(line)}`);
  return Number(match[1]);
}

function count(run: Running, pattern: RegExp, since = 0): number {
  return run.lines.slice(since).filter((line) => pattern.test(line)).length;
}

test("a change nothing accepts restarts the app: a new process runs the new code", async () => {
  const dir = copyFixture("cli-basic");
  const run = hotload(dir, ["app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ config=one /));
  const since = run.mark();
  replaceIn(join(dir, "config.mjs"), '"one"', '"two-two"');
  const second = pidOf(await run.waitForLine(/^started pid=\d+ config=two-two /, 10_000, since));
  assert.notEqual(second, first);
  await run.waitForLine(
    /^\[hotload\] restart: \.\/config\.mjs changed and nothing accepts it — new process (?:ready|spawned) in \d+ ms$/,
    10_000,
    since,
  );
  assert.equal(count(run, /^\[hotload\] restart:/), 1, run.output());
  assert.equal(await stop(run), "SIGTERM");
});

test("a change a module accepts is applied in place: same process, no restart", async () => {
  const dir = copyFixture("cli-basic");
  const run = hotload(dir, ["app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ /));
  const since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), '"hello"', '"hi there"');
  assert.equal(pidOf(await run.waitForLine(/^greeting updated pid=\d+ greeting=hi there$/, 10_000, since)), first);
  await run.waitForLine(/^\[hotload\] updated \.\/greeting\.mjs/, 10_000, since);
  assert.equal(count(run, /^\[hotload\] restart:/), 0, run.output());
  assert.equal(count(run, /^started /), 1, run.output());
  await stop(run);
});

test("with --no-overlap a crash is reported once, and the app starts again at the next change", async () => {
  const dir = copyFixture("cli-crash");
  const lib = join(dir, "lib.mjs");
  // The restart path's own report. (In place, the runtime reports the failed update first, and
  // the command then restarts: see inplace-restart.test.ts.)
  const run = hotload(dir, ["--no-overlap", "app.mjs"], { env: { HOTLOAD_IN_PLACE: "0" } });
  await run.waitForLine(/^started pid=\d+ value=one$/);
  let since = run.mark();
  replaceIn(lib, '"one"', '"boom"');
  await run.waitForLine(/^started pid=\d+ value=boom$/, 10_000, since);
  await run.waitForLine(/^\[hotload\] \.\/app\.mjs crashed with exit code 1 — waiting for a change to restart it$/, 10_000, since);
  since = run.mark();
  replaceIn(lib, '"boom"', '"fixed"');
  await run.waitForLine(/^started pid=\d+ value=fixed$/, 10_000, since);
  await run.waitForLine(/^\[hotload\] restart: \.\/lib\.mjs changed — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  // Not restarted in a loop: one start with the crashing code, one crash.
  assert.equal(count(run, /value=boom$/), 1, run.output());
  assert.equal(count(run, /crashed with exit code/), 1, run.output());
  await stop(run);
});

test("a syntax error in the entry is reported, and fixing it starts the app", async () => {
  const dir = copyFixture("cli-crash");
  const app = join(dir, "app.mjs");
  const good = readFileSync(app, "utf8");
  writeFileSync(app, `${good}\nconst = ;\n`);
  const run = hotload(dir, ["app.mjs"]);
  await run.waitForLine(/^\[hotload\] \.\/app\.mjs crashed with exit code 1 — waiting for a change to restart it$/);
  assert.match(run.output(), /SyntaxError/);
  const since = run.mark();
  edit(app, good);
  await run.waitForLine(/^started pid=\d+ value=one$/, 10_000, since);
  await stop(run);
});

test("SIGTERM is passed to the app, and the app's exit code becomes the command's", async () => {
  const dir = copyFixture("cli-signals");
  const run = hotload(dir, ["app.mjs", "trap"]);
  await run.waitForLine(/^started pid=\d+ mode=trap$/);
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 7);
  assert.ok(run.lines.includes("got SIGTERM"), run.output());
});

test("SIGINT is passed to the app; an app ended by it ends the command by SIGINT", async () => {
  const dir = copyFixture("cli-signals");
  const trapped = hotload(dir, ["app.mjs", "trap"]);
  const plain = hotload(dir, ["app.mjs"]);
  await Promise.all([trapped.waitForLine(/^started .* mode=trap$/), plain.waitForLine(/^started .* mode=default$/)]);
  trapped.child.kill("SIGINT");
  plain.child.kill("SIGINT");
  assert.equal(await trapped.exited, 7);
  assert.ok(trapped.lines.includes("got SIGINT"), trapped.output());
  assert.equal(await plain.exited, "SIGINT");
});

test("the command ends as its program ends under plain node: by the signal that ended it, or with the code it exits with", async () => {
  const dir = copyFixture("cli-signals");
  // What a parent's child.on("exit") sees: (code, signal).
  const ending = async (run: Running, signal: NodeJS.Signals): Promise<[number | null, NodeJS.Signals | null]> => {
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      run.child.once("exit", (code, by) => resolve([code, by])),
    );
    await run.waitForLine(/^started pid=\d+ /);
    run.child.kill(signal);
    return exit;
  };
  const cases = [
    ["default", "SIGTERM"],
    ["default", "SIGINT"],
    ["trap", "SIGTERM"],
  ] as const;
  await Promise.all(
    cases.map(async ([mode, signal]) => {
      const args = mode === "default" ? ["app.mjs"] : ["app.mjs", mode];
      const [plain, command] = await Promise.all([
        ending(spawnCommand(process.execPath, args, { cwd: dir }), signal),
        ending(hotload(dir, args), signal),
      ]);
      assert.deepEqual(command, plain, `${mode} program, ${signal}`);
    }),
  );
});

test("an app that takes SIGTERM gets as long as its handler takes; one that ignores it is killed --kill-timeout after a second SIGTERM", async () => {
  const dir = copyFixture("cli-signals");
  // A drain longer than the kill timeout: plain node waits for it, so does the command.
  const slow = hotload(dir, ["--kill-timeout", "300", "app.mjs", "slow", "1200"]);
  // Long enough for a loaded machine to run the app's handler before the kill.
  const run = hotload(dir, ["--kill-timeout", "1500", "app.mjs", "ignore"]);
  await Promise.all([slow.waitForLine(/^started pid=\d+ mode=slow$/), run.waitForLine(/^started pid=\d+ mode=ignore$/)]);
  slow.child.kill("SIGTERM");
  run.child.kill("SIGTERM");
  await run.waitForLine("ignoring SIGTERM");
  assert.equal(await slow.exited, 1, slow.output());
  assert.ok(!slow.output().includes("killing it"), slow.output());
  assert.ok(!run.output().includes("killing it"), run.output());
  const since = run.mark();
  run.child.kill("SIGTERM");
  await run.waitForLine("ignoring SIGTERM", 10_000, since);
  await run.waitForLine(/^\[hotload\] \.\/app\.mjs did not exit within 1500 ms of SIGTERM: killing it$/);
  assert.equal(await run.exited, "SIGTERM");
});

test("a signal to the whole process group (a terminal's Ctrl-C, `kill -- -PGID`) reaches the app once, as under plain node", async () => {
  const dir = copyFixture("cli-signals");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const runs = [
      stopAfter(spawnCommand(process.execPath, ["app.mjs", "slow", "300"], { cwd: dir, detached: true })),
      hotload(dir, ["app.mjs", "slow", "300"], { detached: true }),
    ];
    await Promise.all(runs.map((run) => run.waitForLine(/^started pid=\d+ mode=slow$/)));
    for (const run of runs) process.kill(-run.child.pid!, signal);
    const [plain, command] = await Promise.all(runs.map((run) => run.exited));
    assert.equal(plain, 1, runs[0]!.output());
    assert.equal(command, 1, runs[1]!.output());
    const got = (run: Running): string[] => run.lines.filter((line) => line.startsWith("got "));
    assert.deepEqual(got(runs[1]!), got(runs[0]!), runs[1]!.output());
    assert.deepEqual(got(runs[1]!), [`got ${signal} #1`]);
  }
});

test("an app that finishes with 0 ends the command with 0", async () => {
  const dir = copyFixture("cli-exit");
  const run = hotload(dir, ["app.mjs", "0"]);
  assert.equal(await run.exited, 0);
  assert.ok(
    run.lines.some((line) => /^started pid=\d+ version=1 exiting with 0$/.test(line)),
    run.output(),
  );
  assert.ok(run.lines.includes("[hotload] ./app.mjs exited with code 0"), run.output());
});

test("the modules an app loaded before it exited are watched after it exits", async () => {
  // The app reports its modules over IPC as it loads them; an app that exits at once must still
  // get that report out, or a change to its imports would go unnoticed.
  const dir = copyFixture("cli-exit");
  const run = hotload(dir, ["--watch-after-exit", "app.mjs"]);
  await run.waitForLine(/exited with code 0 — waiting for a change to start it again$/);
  const since = run.mark();
  replaceIn(join(dir, "lib.mjs"), "version = 1", "version = 22");
  await run.waitForLine(/^started pid=\d+ version=22 exiting with 0$/, 10_000, since);
  // Stop only once the restarted app has finished, or the SIGTERM reaches it.
  await run.waitForLine(/exited with code 0 — waiting for a change to start it again$/, 10_000, since);
  assert.equal(await stop(run), 0);
});

test("a change to .env restarts the app; node options before the entry reach node", async () => {
  const dir = copyFixture("cli-basic");
  const run = hotload(dir, ["--env-file=.env", "app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ .* env=first$/));
  const since = run.mark();
  edit(join(dir, ".env"), "CLI_BASIC_ENV=second\n");
  const second = pidOf(await run.waitForLine(/^started pid=\d+ .* env=second$/, 10_000, since));
  assert.notEqual(second, first);
  await run.waitForLine(/^\[hotload\] restart: \.\/\.env changed — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  await stop(run);
});

test("a change to a file given to node's --env-file restarts the app", async () => {
  const dir = copyFixture("cli-basic");
  mkdirSync(join(dir, "config"));
  writeFileSync(join(dir, "config/dev.env"), "CLI_BASIC_ENV=dev\n");
  const run = hotload(dir, ["--env-file", "config/dev.env", "app.mjs"]);
  await run.waitForLine(/^started pid=\d+ .* env=dev$/);
  const since = run.mark();
  edit(join(dir, "config/dev.env"), "CLI_BASIC_ENV=dev-two\n");
  await run.waitForLine(/^started pid=\d+ .* env=dev-two$/, 10_000, since);
  await run.waitForLine(/^\[hotload\] restart: \.\/config\/dev\.env changed — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  await stop(run);
});

test("--restart globs restart on changes to files no module imports; --ignore excludes", async () => {
  const dir = copyFixture("cli-basic");
  mkdirSync(join(dir, "data/skip"), { recursive: true });
  mkdirSync(join(dir, "data/deep/er"), { recursive: true });
  const run = hotload(dir, ["--restart", "data/**/*.json", "--ignore", "data/skip", "app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ /));
  const since = run.mark();
  writeFileSync(join(dir, "data/skip/x.json"), "{}\n");
  writeFileSync(join(dir, "data/deep/er/x.txt"), "{}\n");
  writeFileSync(join(dir, "data/deep/er/settings.json"), "{}\n");
  await run.waitForLine(
    /^\[hotload\] restart: \.\/data\/deep\/er\/settings\.json changed — new process (?:ready|spawned) in \d+ ms$/,
    10_000,
    since,
  );
  assert.notEqual(pidOf(await run.waitForLine(/^started pid=\d+ /, 10_000, since)), first);
  assert.equal(count(run, /^\[hotload\] restart:/), 1, run.output());
  await stop(run);
});

test("SIGHUP restarts the app on demand", async () => {
  const dir = copyFixture("cli-basic");
  const run = hotload(dir, ["app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ /));
  const since = run.mark();
  run.child.kill("SIGHUP");
  assert.notEqual(pidOf(await run.waitForLine(/^started pid=\d+ /, 10_000, since)), first);
  await run.waitForLine(/^\[hotload\] restart: restart requested \(SIGHUP\) — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  await stop(run);
});

test("--no-hot restarts on any change to a loaded file, even one a module accepts", async () => {
  const dir = copyFixture("cli-basic");
  const run = hotload(dir, ["--no-hot", "app.mjs"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ .* greeting=hello /));
  const since = run.mark();
  replaceIn(join(dir, "greeting.mjs"), '"hello"', '"hi there"');
  const second = pidOf(await run.waitForLine(/^started pid=\d+ .* greeting=hi there /, 10_000, since));
  assert.notEqual(second, first);
  await run.waitForLine(/^\[hotload\] restart: \.\/greeting\.mjs changed — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  assert.equal(count(run, /^greeting updated/), 0, run.output());
  await stop(run);
});

test("when stdin is not a terminal the app inherits it", async () => {
  const dir = copyFixture("cli-stdin");
  const run = hotload(dir, ["app.mjs"], { stdin: true });
  const pid = pidOf(await run.waitForLine(/^started pid=\d+ stdin-tty=false$/));
  run.child.stdin?.write("rs\nhello\n");
  await run.waitForLine(`stdin pid=${pid}: hello`);
  // "rs" is the app's input here, not a request to hotload.
  await run.waitForLine(`stdin pid=${pid}: rs`);
  assert.equal(count(run, /^\[hotload\] restart:/), 0, run.output());
  await stop(run);
});

// util-linux `script` runs the command on a pseudo-terminal fed by its own stdin.
const noScript = spawnSync("script", ["--version"]).status !== 0 && "needs util-linux script for a terminal";

test("on a terminal, rs + Enter restarts the app, other lines reach the app, and \\rs reaches it as rs", { skip: noScript }, async () => {
  const dir = copyFixture("cli-stdin");
  const command = [process.execPath, CLI, "app.mjs"].map((arg) => `'${arg}'`).join(" ");
  const run = spawnCommand("script", ["-qefc", command, "/dev/null"], { cwd: dir, stdin: true });
  stopAfter(run);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ stdin-tty=false$/));
  run.child.stdin?.write("hello\n");
  await run.waitForLine(`stdin pid=${first}: hello`);
  let since = run.mark();
  run.child.stdin?.write("rs\n");
  const second = pidOf(await run.waitForLine(/^started pid=\d+ /, 10_000, since));
  assert.notEqual(second, first);
  await run.waitForLine(/^\[hotload\] restart: restart requested \(rs\) — new process (?:ready|spawned) in \d+ ms$/, 10_000, since);
  since = run.mark();
  run.child.stdin?.write("again\n");
  await run.waitForLine(`stdin pid=${second}: again`, 10_000, since);
  // The escape: \rs reaches the app as rs, and restarts nothing.
  run.child.stdin?.write("\\rs\n");
  await run.waitForLine(`stdin pid=${second}: rs`, 10_000, since);
  assert.equal(count(run, /restart requested \(rs\)/), 1, run.output());
  // Ctrl-C on the terminal reaches hotload and the app together; the command exits with 130.
  run.child.stdin?.write("\x03");
  assert.equal(await run.exited, 130);
});

test("an unknown option is one line on stderr and exit code 2", async () => {
  for (const args of [["--foo", "app.mjs"], ["--kill-timeout", "soon", "app.mjs"], []]) {
    const run = spawnCli(args);
    assert.equal(await run.exited, 2, run.output());
    assert.equal(run.lines.length, 1, run.output());
    assert.match(run.lines[0]!, /^hotload: .* \(see hotload --help\)$/);
  }
  const run = spawnCli(["--foo", "app.mjs"]);
  await run.exited;
  assert.deepEqual(run.lines, ["hotload: unknown option --foo (see hotload --help)"]);
});

test("--help explains the command and --version prints the package's version", async () => {
  const help = spawnCli(["--help"]);
  assert.equal(await help.exited, 0);
  assert.match(help.lines[0]!, /^Usage: hotload \[options\] \[node options\] <entry> \[app arguments\]$/);
  assert.ok(help.output().includes("--no-hot"), help.output());
  const version = spawnCli(["--version"]);
  assert.equal(await version.exited, 0);
  const expected = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  assert.deepEqual(version.lines, [expected]);
});

test("a restart with overlap ends the old process with SIGTERM once it has retired, so that its own shutdown handler runs, not SIGKILL after --kill-timeout", async () => {
  const dir = copyFixture("cli-signals");
  // A kill timeout far longer than the test's wait: a SIGKILL at its end would come too late.
  const run = hotload(dir, ["--kill-timeout", "30000", "app.mjs", "trap"]);
  const first = pidOf(await run.waitForLine(/^started pid=\d+ mode=trap$/));
  const since = run.mark();
  run.child.kill("SIGHUP");
  assert.notEqual(pidOf(await run.waitForLine(/^started pid=\d+ mode=trap$/, 10_000, since)), first);
  // The old one retires (it never listened, so there is nothing to hand over) and gets SIGTERM.
  await run.waitForLine("got SIGTERM", 10_000, since);
  assert.equal(count(run, /did not exit within/, since), 0, run.output());
  assert.equal(count(run, /^got SIGTERM$/, since), 1, run.output());
  assert.equal(await stop(run), 7);
});
