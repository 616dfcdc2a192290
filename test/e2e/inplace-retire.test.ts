/**
 * In place, a program cannot tell an update from a restart of the edited program (issue 21): each
 * case is observed after a save under hotload, and the same observation is made of the edited
 * program run afresh under plain node (the restart it stands for); both must agree.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, symlinkSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, ROOT, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

const portOf = async (run: Running, since = 0): Promise<number> =>
  Number((await run.waitForLine(/^listening on \d+$/, 10_000, since)).slice("listening on ".length));

/** A copy of the fixture with the packages it imports linked from this repository. */
function fixture(...packages: string[]): string {
  const dir = copyFixture("inplace-retire");
  for (const name of packages) {
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
  return dir;
}

/** The bodies of `paths`, in order, from the server on `port`. */
async function bodies(port: number, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) out.push((await get(port, false, path)).body);
  return out;
}

/** What a restart shows: the edited program, run afresh under plain node, asked for `paths`. */
async function restarted(entry: string, paths: readonly string[]): Promise<string[]> {
  const run = spawnCommand(process.execPath, [entry], { cwd: dirname(entry) });
  try {
    return await bodies(await portOf(run), paths);
  } finally {
    await run.kill();
  }
}

test("an entry in a cycle: the modules that import it back run again with it, and serve its new settings", async () => {
  const dir = fixture();
  const entry = join(dir, "cycle", "server.mjs");
  const run = spawnHot(entry);
  const port = await portOf(run);
  assert.deepEqual(await bodies(port, ["/"]), ["hello"]);
  const since = run.mark();
  edit(entry, (old) => old.replace('greeting: "hello"', 'greeting: "hello again"'));
  await run.waitForLine(/^\[hotload\] updated \.\/server\.mjs/, 10_000, since);
  const inPlace = await bodies(await portOf(run, since), ["/"]);
  await run.kill();
  assert.deepEqual(inPlace, await restarted(entry, ["/"]));
  assert.deepEqual(inPlace, ["hello again"]);
});

for (const [kind, folder, ext] of [
  ["ES modules", "shared-app", "mjs"],
  ["CommonJS", "shared-app-cjs", "js"],
] as const) {
  test(`routes registered on a shared app by a side-effect import (${kind}): a save of one serves its new handler, the others still answer`, async () => {
    const dir = fixture("express");
    const entry = join(dir, folder, `server.${ext}`);
    const paths = ["/users", "/posts"];
    const run = spawnHot(entry);
    const port = await portOf(run);
    assert.deepEqual(await bodies(port, paths), ["users v1", "posts v1"]);
    const since = run.mark();
    edit(join(dir, folder, "routes", `users.${ext}`), (old) => old.replace("users v1", "users v2!"));
    await run.waitForLine(new RegExp(`^\\[hotload\\] updated \\./routes/users\\.${ext}`), 10_000, since);
    const inPlace = await bodies(await portOf(run, since), paths);
    await run.kill();
    assert.deepEqual(inPlace, await restarted(entry, paths));
    assert.deepEqual(inPlace, ["users v2!", "posts v1"]);
  });
}

/** The data lines of an SSE stream, as they arrive; `next(pattern)` waits for one after those seen. */
function events(port: number): { readonly lines: string[]; next(pattern: RegExp, ms?: number): Promise<string>; close(): void } {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const req = request({ host: "127.0.0.1", port, path: "/events" }, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) if (line.startsWith("data: ")) lines.push(line.slice(6));
      for (const wake of waiters) wake();
    });
  });
  req.on("error", () => undefined);
  req.end();
  return {
    lines,
    next(pattern, ms = 3_000) {
      const from = lines.length;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.slice(from).find((line) => pattern.test(line));
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no event matched ${pattern} within ${ms} ms; got ${lines.slice(from).join(", ")}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => req.destroy(),
  };
}

/** Where AsyncLocalStorage rides on V8's AsyncContextFrame (Node 24 on): what a handler does after an await is known to be in flight. */
const framed = !("_propagate" in AsyncLocalStorage.prototype);

test("requests in flight when a save lands finish under the old code; the evaluation's interval stops", async () => {
  const dir = fixture();
  const entry = join(dir, "in-flight", "server.mjs");
  const run = spawnHot(entry);
  const port = await portOf(run);
  const stream = events(port);
  await stream.next(/^v1 1$/);
  assert.equal((await get(port, false, "/start-ticker")).body, "started");
  await run.waitForLine("ticker v1");
  const slow = get(port, false, "/slow");
  const afterAwait = framed ? get(port, false, "/slow-after-await") : undefined;
  await run.waitForLine("start /slow v1");
  if (afterAwait) await run.waitForLine("start /slow-after-await v1");
  const since = run.mark();
  edit(entry, (old) => old.replace('VERSION = "v1"', 'VERSION = "v2!"'));
  await run.waitForLine(/^\[hotload\] updated \.\/server\.mjs/, 10_000, since);
  // Answered, by the code that took them, as a restart that lets the old process finish would.
  assert.deepEqual(await slow, { status: 200, body: "slow v1" });
  if (afterAwait) assert.deepEqual(await afterAwait, { status: 200, body: "slow-after-await v1" });
  // The stream opened before the save goes on.
  await stream.next(/^v1 \d+$/);
  stream.close();
  // New requests get the new code, as after a restart; the old top-level interval stopped, and so
  // did the interval a finished request started.
  const inPlace = await bodies(await portOf(run, since), ["/"]);
  const firstBeat = run.lines.indexOf("beat v2!", since);
  assert.ok(firstBeat >= 0, run.output());
  await run.waitForLine("beat v2!", 10_000, firstBeat + 1);
  const stale = run.lines.slice(firstBeat).filter((line) => line === "beat v1" || line === "ticker v1");
  assert.deepEqual(stale, [], run.output());
  await run.kill();
  assert.deepEqual(inPlace, await restarted(entry, ["/"]));
  assert.deepEqual(inPlace, ["hello v2!"]);
});

/** Sends `line` to the program's stdin and waits for its answer; returns the answers to it so far. */
async function task(run: Running, line: string, answer: RegExp): Promise<string[]> {
  const since = run.mark();
  run.child.stdin!.write(`${line}\n`);
  await run.waitForLine(answer, 10_000, since);
  // The next task's answer comes after every answer to this one (one worker, one port, in order).
  const sync = run.mark();
  run.child.stdin!.write("sync\n");
  await run.waitForLine(/ did .*\/sync$/, 10_000, sync);
  return run.lines.filter((l) => l.endsWith(`/${line}`) && l.includes(" answer: "));
}

test("a worker thread, a readline interface on stdin and the worker it starts: each task is handled once after saves, as after a restart", async () => {
  const dir = fixture();
  const main = join(dir, "emitters", "main.mjs");
  const worker = join(dir, "emitters", "worker.mjs");
  const run = spawnHot(main, { stdin: true });
  await run.waitForLine(/^worker w1 ready in 1$/);
  // The worker updates itself in place: its parentPort listener of each version must go with it.
  for (const [from, to] of [
    ["w1", "w2x"],
    ["w2x", "w3xy"],
  ] as const) {
    const since = run.mark();
    edit(worker, (old) => old.replace(`"${from}"`, `"${to}"`));
    await run.waitForLine(/^\[hotload thread 1\] updated \.\/worker\.mjs/, 10_000, since);
  }
  assert.deepEqual(await task(run, "one", /did m1\/one$/), ["m1 answer: w3xy did m1/one"]);
  // The front end updates in place: its readline interface and its worker go with its old version.
  const since = run.mark();
  edit(main, (old) => old.replace('"m1"', '"m2x"'));
  await run.waitForLine(/^\[hotload\] updated \.\/main\.mjs/, 10_000, since);
  await run.waitForLine(/^worker w3xy ready in 2$/, 10_000, since);
  const inPlace = await task(run, "two", /did m2x\/two$/);
  // The old worker stopped: from the new one's third beat on (two more waited for), the old one beats no more.
  let at = since;
  let since3 = at;
  for (let n = 0; n < 5; n++) {
    await run.waitForLine(/^beat 2$/, 10_000, at);
    at = run.lines.indexOf("beat 2", at) + 1;
    if (n === 2) since3 = at;
  }
  assert.equal(run.lines.slice(since3).filter((l) => l === "beat 1").length, 0, run.output());
  // The end of stdin closes the new interface, whose listener exits: the old one's does not run first.
  run.child.stdin!.end();
  assert.equal(await run.exited, 0);

  const restart = spawnCommand(process.execPath, [main], { cwd: dirname(main), stdin: true });
  await restart.waitForLine(/^worker w3xy ready in 1$/);
  const fresh = await task(restart, "two", /did m2x\/two$/);
  restart.child.stdin!.end();
  assert.equal(await restart.exited, 0);
  assert.deepEqual(inPlace, fresh);
  assert.deepEqual(inPlace, ["m2x answer: w3xy did m2x/two"]);
});

/**
 * Starts `entry` (stdin piped), saves it twice (`versions`: what its ready line, `<label> <version>
 * ready`, says), then writes "hello" and "sync" to its stdin. Returns the lines `picked` of what came
 * after the saves, and of the edited program run afresh under plain node (the restart it stands for).
 */
async function afterTwoSaves(
  entry: string,
  label: string,
  versions: readonly [string, string, string],
  picked: (line: string) => boolean,
  env: Record<string, string> = {},
): Promise<{ inPlace: string[]; restart: string[] }> {
  const run = spawnHot(entry, { stdin: true, env });
  await run.waitForLine(`${label} ${versions[0]} ready`);
  for (const [from, to] of [versions.slice(0, 2), versions.slice(1)]) {
    const since = run.mark();
    edit(entry, (old) => old.replace(`"${from}"`, `"${to}"`));
    await run.waitForLine(`${label} ${to} ready`, 10_000, since);
  }
  const since = run.mark();
  run.child.stdin!.write("hello\nsync\n");
  await run.waitForLine(/ heard sync$/, 10_000, since);
  const inPlace = run.lines.slice(since).filter(picked);
  run.child.stdin!.end();
  assert.equal(await run.exited, 0);

  const restart = spawnCommand(process.execPath, [entry], { cwd: dirname(entry), stdin: true, env });
  await restart.waitForLine(`${label} ${versions[2]} ready`);
  restart.child.stdin!.write("hello\nsync\n");
  await restart.waitForLine(/ heard sync$/);
  restart.child.stdin!.end();
  assert.equal(await restart.exited, 0);
  return { inPlace, restart: restart.lines.filter(picked) };
}

test("a readline bot made with new Interface(): after two saves each line is heard once, by the new code", async () => {
  const bot = join(fixture(), "emitters", "bot.mjs");
  const { inPlace, restart } = await afterTwoSaves(bot, "bot", ["b1", "b2x", "b3xy"], (line) => line.endsWith(" heard hello"));
  assert.deepEqual(inPlace, restart);
  assert.deepEqual(inPlace, ["b3xy heard hello"]);
});

test("diagnostics channel subscribers (subscribe(name, fn), channel.subscribe(fn)): after two saves each message is heard once, by the new code", async () => {
  const entry = join(fixture(), "emitters", "channel.mjs");
  const { inPlace, restart } = await afterTwoSaves(entry, "channel", ["c1", "c2x", "c3xy"], (line) => / (heard|saw) hello$/.test(line));
  assert.deepEqual(inPlace, restart);
  assert.deepEqual(inPlace, ["c3xy heard hello", "c3xy saw hello"]);
});

test("a UDP server bound to a fixed port: after two saves the new version has the port, and each datagram is heard once, by the new code", async () => {
  const entry = join(fixture(), "emitters", "udp.mjs");
  const probe = createSocket("udp4");
  await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
  const port = String(probe.address().port);
  await new Promise<void>((resolve) => probe.close(resolve));
  const heard = (line: string): boolean => / heard (hello|sync)$/.test(line);
  const { inPlace, restart } = await afterTwoSaves(entry, "udp", ["u1", "u2x", "u3xy"], heard, { UDP_PORT: port });
  assert.deepEqual(inPlace, restart);
  assert.deepEqual(inPlace, ["u3xy heard hello", "u3xy heard sync"]);
});

for (const [file, index] of [
  ["main.mjs", "export * from"],
  ["main-named.mjs", "import, then export { … }"],
] as const)
  test(`an entry that fills a registry it imports through an index file (${index}): after two saves it holds what the new version added`, async () => {
    const dir = fixture();
    const entry = join(dir, "barrel", file);
    const run = spawnHot(entry);
    await run.waitForLine(/^barrel r1 /);
    let last = "";
    for (const [from, to] of [
      ["r1", "r2x"],
      ["r2x", "r3xy"],
    ] as const) {
      const since = run.mark();
      edit(entry, (old) => old.replace(`"${from}"`, `"${to}"`));
      last = await run.waitForLine(new RegExp(`^barrel ${to} `), 10_000, since);
    }
    await run.kill();
    const restart = spawnCommand(process.execPath, [entry], { cwd: dirname(entry) });
    const fresh = await restart.waitForLine(/^barrel r3xy /);
    await restart.kill();
    assert.equal(last, fresh);
    assert.equal(last, "barrel r3xy routes=/r3xy plugins=r3xy");
  });
