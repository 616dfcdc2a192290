/**
 * The `hotload` command fails fast and says one thing (issue 13): an unsupported Node or a
 * missing entry is one line and a non-zero exit; a restart or the command's exit ends the
 * program's whole process tree; a program that crashed for want of a file starts when the file
 * appears; one that dies because of a hot update starts again at once; `.env` and relative globs
 * start at the working directory.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, copyFixture, edit, replaceIn } from "../helpers/e2e.js";
import { hotload } from "../helpers/command.js";
import { findNode20, NO_NODE20 } from "../helpers/node20.js";

function numberIn(line: string, name: string): number {
  const match = new RegExp(`${name}=(\\d+)`).exec(line);
  assert.ok(match, `no ${name} in ${JSON.stringify(line)}`);
  return Number(match[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of `pids` runs (a deadline, not a sleep: polled every 20 ms). */
async function gone(pids: readonly number[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some(alive)) {
    if (Date.now() > deadline) assert.fail(`still running after ${ms} ms: ${pids.filter(alive).join(", ")}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

const node20 = findNode20();

test("on an unsupported Node the command exits 1 at once with one line", { skip: node20 ? false : NO_NODE20 }, () => {
  const dir = copyFixture("cli-basic");
  const result = spawnSync(node20!, [CLI, "app.mjs"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.error, undefined, `did not exit within 10 s: ${output}`);
  assert.equal(result.status, 1, output);
  assert.equal(lines(output).length, 1, output);
  assert.match(output, /^hotload: Node\.js 20\.\d+\.\d+ is not supported: hotload needs Node\.js \^22\.22\.3 \|\| >=24\.11\.1\n$/);
});

test("a missing entry file is one line naming it, and exit code 1", () => {
  const dir = copyFixture("cli-basic");
  const result = spawnSync(process.execPath, [CLI, "no-such-app.mjs"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 1, output);
  assert.equal(lines(output).length, 1, output);
  assert.match(output, /^hotload: the entry file no-such-app\.mjs does not exist \(in .+\)\n$/);
  // As node resolves a main entry: `hotload app` runs app.js, so it is not "missing".
  writeFileSync(join(dir, "plain.js"), "console.log('plain ran');\n");
  const plain = spawnSync(process.execPath, [CLI, "plain"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  assert.match(`${plain.stdout}`, /plain ran/, `${plain.stdout}${plain.stderr}`);
});

test("a restart and the command's exit end the program's whole tree, SIGTERM handler or not", async () => {
  const dir = copyFixture("cli-tree");
  // The restart path (in place, a change to version.mjs would not restart).
  const run = hotload(dir, ["--kill-timeout", "300", "app.mjs"], { env: { HOTLOAD_IN_PLACE: "0" } });
  const first = await run.waitForLine(/^started pid=\d+ helper=\d+ version=1$/);
  const since = run.mark();
  edit(join(dir, "version.mjs"), "export const version = 22;\n");
  const second = await run.waitForLine(/^started pid=\d+ helper=\d+ version=22$/, 10_000, since);
  await gone([numberIn(first, "pid"), numberIn(first, "helper")]);
  assert.ok(alive(numberIn(second, "helper")), "the new program's helper was killed too");
  run.child.kill("SIGTERM");
  await run.exited;
  await gone([numberIn(second, "pid"), numberIn(second, "helper")]);
});

test("a program that crashed because an import is missing starts when the file is created", async () => {
  const dir = copyFixture("cli-crash");
  renameSync(join(dir, "lib.mjs"), join(dir, "lib.later"));
  const run = hotload(dir, ["app.mjs"]);
  await run.waitForLine(/^\[hotload\] \.\/app\.mjs crashed with exit code 1 — waiting for a change to restart it$/);
  const since = run.mark();
  renameSync(join(dir, "lib.later"), join(dir, "lib.mjs"));
  await run.waitForLine(/^started pid=\d+ value=one$/, 10_000, since);
  await run.waitForLine(/^\[hotload\] restart: \.\/lib\.mjs changed — new process spawned in \d+ ms$/, 10_000, since);
});

test("a program that dies because of a hot update is started again at once, once", async () => {
  const dir = copyFixture("cli-died");
  const run = hotload(dir, ["app.mjs"]);
  const first = numberIn(await run.waitForLine(/^started pid=\d+ mode=live$/), "pid");
  const since = run.mark();
  replaceIn(join(dir, "mode.mjs"), '"live"', '"die"');
  await run.waitForLine(new RegExp(`^mode updated pid=${first} mode=die$`), 10_000, since);
  await run.waitForLine(/^started pid=\d+ mode=die$/, 10_000, since);
  await run.waitForLine(
    /^\[hotload\] restart: the program crashed with exit code 3 after a change — new process spawned in \d+ ms$/,
    10_000,
    since,
  );
  assert.ok(!run.output().includes("waiting for a change"), run.output());
});

test(".env and relative --restart globs start at the working directory, not the entry's folder", async () => {
  const dir = copyFixture("cli-basic");
  mkdirSync(join(dir, "server"));
  mkdirSync(join(dir, "scripts"));
  for (const name of ["app.mjs", "config.mjs", "greeting.mjs", "orphan-guard.mjs"]) {
    renameSync(join(dir, name), join(dir, "server", name));
  }
  writeFileSync(join(dir, ".env"), "A=1\n");
  writeFileSync(join(dir, "scripts/hello.sh"), "echo hello\n");
  const run = hotload(dir, ["--restart", ".env", "--restart", "scripts/*", "server/app.mjs"]);
  await run.waitForLine(/^started pid=\d+ /);
  let since = run.mark();
  edit(join(dir, ".env"), "A=22\n");
  await run.waitForLine(/^\[hotload\] restart: \.\/\.env changed — new process ready in \d+ ms$/, 10_000, since);
  since = run.mark();
  edit(join(dir, "scripts/hello.sh"), "echo hello again\n");
  await run.waitForLine(/^\[hotload\] restart: \.\/scripts\/hello\.sh changed — new process ready in \d+ ms$/, 10_000, since);
});
