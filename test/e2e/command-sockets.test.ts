/**
 * The `hotload` command runs the program as a plain process and holds its listening sockets
 * across restarts (werkzeug's model, issue 22): the program sees what it sees under plain node;
 * TCP (port 0 too) and unix-socket servers, and a program that runs node:cluster itself, answer
 * every request across restarts; the old process gets SIGTERM as soon as the new one is ready,
 * streams open or not. Longer runs of the same: test/stress/command-sockets.test.ts.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { copyFixture, edit, replaceIn, spawnCommand, type Running } from "../helpers/e2e.js";
import { hotload, stop, stopAfter } from "../helpers/command.js";
import { freePort, startLoad, type Load } from "../helpers/load.js";

/** A change nothing accepts restarts (not applied in place). */
const RESTART_PATH = { HOTLOAD_IN_PLACE: "0" };

/** The variables README says the command or hotload set in the program's environment. */
const README_VARIABLES: string[] = [];

/** Saves version.mjs with `v` and `n` zeros more than the last (so the length changes). */
function saveVersion(dir: string, n: number): string {
  const version = `v${"0".repeat(n)}${n}`;
  edit(join(dir, "version.mjs"), `export const version = "${version}";\n`);
  return version;
}

function viewOf(line: string): Record<string, unknown> {
  return JSON.parse(line.replace(/^view /, "")) as Record<string, unknown>;
}

/** Two keep-alive and two fresh-connection loops. */
function fourLoops(port: number, socketPath?: string): Load[] {
  return [startLoad(port, { keepAlive: true, clients: 2, socketPath }), startLoad(port, { keepAlive: false, clients: 2, socketPath })];
}

async function stopLoads(loads: readonly Load[]): Promise<{ ok: number; failed: number; reasons: string[]; bodies: Set<string> }> {
  const results = await Promise.all(loads.map((load) => load.stop()));
  return {
    ok: results.reduce((sum, result) => sum + result.ok, 0),
    failed: results.reduce((sum, result) => sum + result.failed, 0),
    reasons: results.flatMap((result) => result.reasons),
    bodies: new Set(results.flatMap((result) => [...result.bodies])),
  };
}

async function answered(loads: readonly Load[], more: number): Promise<void> {
  const total = (): number => loads.reduce((sum, load) => sum + load.snapshot().ok, 0);
  const target = total() + more;
  while (total() < target) await new Promise((wake) => setTimeout(wake, 5));
}

test("the program sees plain node: cluster.isPrimary, no process.send, connected, disconnect or channel, its argv0 and title, its node options untouched, no variable but README's, no listener on process", async () => {
  const dir = copyFixture("cli-sockets");
  const env = { PORT: "0" };
  // Both typed as `node …` in a shell, which sets argv[0] so: the program's process.argv0 and title.
  const run = hotload(dir, ["--enable-source-maps", "app.mjs"], { env, argv0: "node" });
  const underCommand = viewOf(await run.waitForLine(/^view /));
  const plain = stopAfter(spawnCommand(process.execPath, ["--enable-source-maps", "app.mjs"], { cwd: dir, env, argv0: "node" }));
  const underNode = viewOf(await plain.waitForLine(/^view /));
  const { execArgv, env: keys, ...rest } = underCommand;
  const { execArgv: plainExecArgv, env: plainKeys, ...plainRest } = underNode;
  assert.deepEqual(rest, plainRest);
  assert.deepEqual(rest, {
    isPrimary: true,
    isWorker: false,
    connected: "undefined",
    send: "undefined",
    disconnect: "undefined",
    channel: "undefined",
    argv0: "node",
    title: "node",
  });
  // The command's only option of its own is the loader, after the user's.
  assert.deepEqual((execArgv as string[]).slice(0, -2), plainExecArgv);
  assert.equal((execArgv as string[]).at(-2), "--import");
  assert.deepEqual(
    (keys as string[]).filter((key) => !README_VARIABLES.includes(key)),
    plainKeys,
  );
  // Once hotload's engine has loaded (an update needs it): none of its `exit` or `beforeExit` listeners counts.
  const since = run.mark();
  replaceIn(join(dir, "app.mjs"), "once it ran a while", "once it has run a while");
  await run.waitForLine(/^\[hotload\] updated \.\/app\.mjs/, 15_000, since);
  const counted = async (running: Running): Promise<string> => {
    const line = running.waitForLine(/^listeners /, 10_000);
    running.child.kill("SIGTERM");
    return line;
  };
  assert.equal(await counted(run), await counted(plain), run.output());
  await stop(run);
});

test("TCP on port 0 and a unix socket the program unlinks before listening answer every request across restarts; the port is kept", async (t) => {
  const dir = copyFixture("cli-sockets");
  const socketPath = join(dir, "app.sock");
  const run = hotload(dir, ["app.mjs"], { env: { SOCKET_PATH: socketPath, ...RESTART_PATH } });
  const first = await run.waitForLine(/^listening pid=\d+ port=\d+ version=v1$/);
  const port = Number(/port=(\d+)/.exec(first)![1]);
  const loads = [...fourLoops(port), ...fourLoops(0, socketPath)];
  t.after(() => stopLoads(loads));
  await answered(loads, 40);
  for (let i = 2; i < 5; i++) {
    const since = run.mark();
    const version = saveVersion(dir, i);
    await run.waitForLine(new RegExp(`^listening pid=\\d+ port=${port} version=${version}$`), 15_000, since);
    await run.waitForLine(
      /^\[hotload\] restart: \.\/version\.mjs changed and nothing accepts it — new process ready in \d+ ms$/,
      15_000,
      since,
    );
    await answered(loads, 40);
  }
  const result = await stopLoads(loads);
  assert.equal(result.failed, 0, `failed: ${result.reasons.join(", ")}\n${run.output()}`);
  assert.ok(result.bodies.has("version=v00004"), [...result.bodies].join(", "));
  assert.equal(await stop(run), 0);
});

test("a socket the program closes itself is released: the port is free again", async () => {
  const dir = copyFixture("cli-sockets");
  const port = await freePort();
  const run = hotload(dir, ["app.mjs"], { env: { PORT: String(port), ...RESTART_PATH } });
  await run.waitForLine(/^listening pid=\d+ port=\d+ version=v1$/);
  let since = run.mark();
  saveVersion(dir, 2);
  const second = await run.waitForLine(/^listening pid=\d+ port=\d+ version=v002$/, 15_000, since);
  await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 15_000, since);
  // The new version listens elsewhere: the old port is let go once it has taken over.
  since = run.mark();
  edit(join(dir, "app.mjs"), (old) => old.replace("Number(process.env.PORT ?? 0)", "0"));
  await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 15_000, since);
  await run.waitForLine(`SIGTERM ${/pid=\d+/.exec(second)![0]}`, 5_000, since);
  // Let go by the supervisor, and by the new process, which got a copy: within moments.
  const deadline = performance.now() + 3_000;
  for (;;) {
    const probe = createServer();
    const bound = await new Promise<boolean>((resolve) =>
      probe.once("error", () => resolve(false)).listen(port, "127.0.0.1", () => resolve(true)),
    );
    probe.close();
    if (bound) break;
    assert.ok(performance.now() < deadline, `port ${port} still in use\n${run.output()}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
  await stop(run);
});

test("an event stream open at a restart does not keep the old process: it gets SIGTERM once the new one is ready", async () => {
  const dir = copyFixture("cli-sockets");
  const run = hotload(dir, ["--kill-timeout", "30000", "app.mjs"], { env: RESTART_PATH });
  const first = await run.waitForLine(/^listening pid=\d+ port=\d+ version=v1$/);
  const port = Number(/port=(\d+)/.exec(first)![1]);
  const oldPid = /pid=(\d+)/.exec(first)![1];
  const stream = request({ host: "127.0.0.1", port, path: "/events" });
  const opened = new Promise<void>((resolve) => stream.on("response", (response) => response.once("data", () => resolve())));
  stream.on("error", () => {});
  stream.end();
  await opened;
  const since = run.mark();
  saveVersion(dir, 2);
  await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 15_000, since);
  // Within the grace (1 s) and the time to deliver a line, far from --kill-timeout.
  await run.waitForLine(new RegExp(`^SIGTERM pid=${oldPid}$`), 5_000, since);
  stream.destroy();
  await stop(run);
});

test("a program that never listens is ready once its entry has evaluated, with no fixed wait", async () => {
  const dir = copyFixture("cli-idle");
  const run = hotload(dir, ["app.mjs"], { env: RESTART_PATH });
  const first = await run.waitForLine(/^started pid=\d+ version=v1$/);
  const since = run.mark();
  saveVersion(dir, 2);
  await run.waitForLine(/^started pid=\d+ version=v002$/, 15_000, since);
  const started = performance.now();
  await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 15_000, since);
  // Before: 500 ms after the program's first message, whatever it did.
  assert.ok(performance.now() - started < 400, `ready ${Math.round(performance.now() - started)} ms after the entry ran\n${run.output()}`);
  await run.waitForLine(new RegExp(`^SIGTERM ${/pid=\d+/.exec(first)![0]}$`), 5_000, since);
  await stop(run);
});

test("node's --inspect=host:port listens on that port in each new process", async () => {
  const dir = copyFixture("cli-idle");
  const port = await freePort();
  const run = hotload(dir, [`--inspect=127.0.0.1:${port}`, "app.mjs"], { env: RESTART_PATH });
  await run.waitForLine(/^started pid=\d+ version=v1$/);
  const since = run.mark();
  saveVersion(dir, 2);
  await run.waitForLine(/^started pid=\d+ version=v002$/, 15_000, since);
  const listening = run.lines.filter((line) => line.startsWith(`Debugger listening on ws://127.0.0.1:${port}/`));
  assert.equal(listening.length, 2, run.output());
  assert.ok(!/Starting inspector .* failed/.test(run.output()), run.output());
  await stop(run);
});

test("a program that runs node:cluster itself: its primary's two workers answer every request across restarts", async (t) => {
  const dir = copyFixture("cli-cluster");
  const port = await freePort();
  // Polling: each worker runs hotload too, and inotify instances are scarce on a busy machine.
  const run = hotload(dir, ["--poll", "app.mjs"], { env: { PORT: String(port), ...RESTART_PATH } });
  await run.waitForLine(/^primary pid=\d+ workers=2 version=v1$/);
  const loads = fourLoops(port);
  t.after(() => stopLoads(loads));
  await answered(loads, 40);
  for (let i = 2; i < 4; i++) {
    const since = run.mark();
    const version = saveVersion(dir, i);
    await run.waitForLine(new RegExp(`^primary pid=\\d+ workers=2 version=${version}$`), 15_000, since);
    await run.waitForLine(/^\[hotload\] restart: .* — new process ready in \d+ ms$/, 15_000, since);
    await answered(loads, 40);
  }
  const result = await stopLoads(loads);
  assert.equal(result.failed, 0, `failed: ${result.reasons.join(", ")}\n${run.output()}`);
  assert.ok(result.bodies.has("version=v0003"), [...result.bodies].join(", "));
  await stop(run);
});
