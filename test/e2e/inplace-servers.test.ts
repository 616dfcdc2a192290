/**
 * Servers and what owns them, in place (issue 21): each behaviour as a plain restart of the edited
 * program would show it, checked from outside with real clients on a real child.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect as connectHttp2, createServer as createHttp2Server, type ClientHttp2Session } from "node:http2";
import { Server as NetServer } from "node:net";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, replaceIn, ROOT, spawnCli, spawnHot, type Running } from "../helpers/e2e.js";
import { freePort } from "../helpers/load.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

/** Whether this Node's Http2Server#close closes the sessions (Node 24), or is net's (Node 22). */
const HTTP2_CLOSE_ENDS_SESSIONS = createHttp2Server().close !== NetServer.prototype.close;

/** The body of a GET of `/` on a unix socket at `path`. */
function getUnix(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The body of an HTTP/2 GET of `/` on `session`. */
function getHttp2(session: ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": "/" });
    let body = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => resolve(body));
    stream.on("error", reject);
  });
}

/**
 * Sends SIGTERM and asserts that the process ends with 0 within 1.5 s: plain node ends within a
 * few ms once server.close() closed the idle connections (a keep-alive timeout would be 5 s).
 */
async function exitsAtOnce(run: Running): Promise<void> {
  const signalled = Date.now();
  run.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("still running after 1.5 s"), 1_500)));
  const code = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  assert.equal(code, 0, `exit took ${Date.now() - signalled} ms`);
}

/** Waits until `run` printed `count` more lines matching `pattern` after `since`. */
async function waitForLines(run: Running, pattern: RegExp, count: number, since: number): Promise<void> {
  for (let seen = 0, at = since; seen < count; seen++) {
    await run.waitForLine(pattern, 10_000, at);
    at = run.lines.findIndex((line, index) => index >= at && pattern.test(line)) + 1;
  }
}

test("a server started through a helper module is the entry's: its new version takes the port over (case 2)", async () => {
  const dir = copyFixture("inplace-servers");
  const ports = { top: await freePort(), awaited: await freePort(), callback: await freePort(), floating: await freePort() };
  const env = {
    PORT_TOP: String(ports.top),
    PORT_AWAITED: String(ports.awaited),
    PORT_CALLBACK: String(ports.callback),
    PORT_FLOATING: String(ports.floating),
  };
  const run = spawnHot(join(dir, "helper.mjs"), { env });
  await waitForLines(run, / listening on \d+$/, 4, 0);
  for (const [name, port] of Object.entries(ports)) assert.equal((await get(port, false)).body, `${name} v0`);
  const since = run.mark();
  replaceIn(join(dir, "helper.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
  await waitForLines(run, / listening on \d+$/, 4, since);
  for (const [name, port] of Object.entries(ports)) assert.equal((await get(port, false)).body, `${name} v1!`, run.output());
  assert.doesNotMatch(run.output(), /EADDRINUSE/);
  await run.kill();
});

test("the same in CommonJS: a server started through a required helper is the entry's (case 2)", async () => {
  const dir = copyFixture("inplace-servers");
  const ports = { top: await freePort(), callback: await freePort() };
  const run = spawnHot(join(dir, "helper.cjs"), { env: { PORT_TOP: String(ports.top), PORT_CALLBACK: String(ports.callback) } });
  await waitForLines(run, / listening on \d+$/, 2, 0);
  const since = run.mark();
  replaceIn(join(dir, "helper.cjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
  await waitForLines(run, / listening on \d+$/, 2, since);
  for (const [name, port] of Object.entries(ports)) assert.equal((await get(port, false)).body, `${name} v1!`, run.output());
  await run.kill();
});

test("an Express app the entry hands to startServer(app) in a helper: its new version takes the port over (case 2)", async () => {
  const dir = copyFixture("inplace-servers");
  // A copy in the temp dir does not see this repository's node_modules: link what it imports.
  symlinkSync(join(ROOT, "node_modules", "express"), join(dir, "node_modules", "express"), "dir");
  const port = await freePort();
  const run = spawnHot(join(dir, "express.mjs"), { env: { PORT: String(port) } });
  await run.waitForLine(/^express listening on \d+$/);
  assert.equal((await get(port, false)).body, "express v0");
  const since = run.mark();
  replaceIn(join(dir, "express.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
  await run.waitForLine(/^express listening on \d+$/, 10_000, since);
  assert.equal((await get(port, false)).body, "express v1!", run.output());
  await run.kill();
});

test("a unix socket server that removes its path before listen() answers there after an update (case 3)", async () => {
  const dir = copyFixture("inplace-servers");
  const socket = join(dir, "app.sock");
  const run = spawnHot(join(dir, "unix.mjs"), { env: { SOCKET: socket } });
  await waitForLines(run, /^unix listening on /, 2, 0);
  for (const path of [socket, `${socket}.2`]) assert.equal(await getUnix(path), "unix v0");
  const since = run.mark();
  replaceIn(join(dir, "unix.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
  await waitForLines(run, /^unix listening on /, 2, since);
  for (const path of [socket, `${socket}.2`]) assert.equal(await getUnix(path), "unix v1!", run.output());
  await run.kill();
});

test("HTTP/2 streams of a session opened before an update reach the new version's on('stream'), and close() ends that session (cases 4, 9)", async () => {
  const dir = copyFixture("inplace-servers");
  const port = await freePort();
  const run = spawnHot(join(dir, "h2.mjs"), { env: { PORT: String(port) } });
  await run.waitForLine(/^h2 listening on \d+$/);
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  try {
    assert.equal(await getHttp2(session), "stream v0");
    const since = run.mark();
    replaceIn(join(dir, "h2.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
    await run.waitForLine(/^h2 listening on \d+$/, 10_000, since);
    assert.equal(await getHttp2(session), "stream v1!", "the session opened before the update");
    const fresh = connectHttp2(`http://127.0.0.1:${port}`);
    assert.equal(await getHttp2(fresh), "stream v1!", "a new session");
    fresh.close();
    // server.close() closes every session on Node 24, the one the old server accepted included: the
    // process ends at once, as under plain node. On Node 22 it is net's close, which waits for the
    // sessions: the process ends once the client closed it.
    if (!HTTP2_CLOSE_ENDS_SESSIONS) {
      run.child.kill("SIGTERM");
      session.close();
    }
    await exitsAtOnce(run);
  } finally {
    session.close();
  }
});

for (const how of ["node --import hotload", "the hotload command"] as const) {
  test(`after an update, SIGTERM's server.close() ends the process at once, a keep-alive connection made before it included, under ${how} (case 9)`, async () => {
    const dir = copyFixture("inplace-servers");
    const port = await freePort();
    const options = { env: { PORT: String(port) }, cwd: dir };
    const run = how === "the hotload command" ? spawnCli(["shutdown.mjs"], options) : spawnHot(join(dir, "shutdown.mjs"), options);
    await run.waitForLine(/^shutdown listening on \d+$/);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = (await get(port, agent)).body;
      assert.match(before, /^shutdown v0 \d+$/);
      const since = run.mark();
      replaceIn(join(dir, "shutdown.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
      await run.waitForLine(/^shutdown listening on \d+$/, 10_000, since);
      // The same connection (the client's port is the same), answered by the new version.
      assert.equal((await get(port, agent)).body, before.replace("v0", "v1!"));
      await exitsAtOnce(run);
    } finally {
      agent.destroy();
    }
  });
}

/** Opens a stream on `port` (an SSE GET, or an upgrade) and resolves once its first data arrived. */
function openStream(port: number, upgrade: boolean): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/",
      agent: false,
      headers: upgrade ? { connection: "Upgrade", upgrade: "echo" } : {},
    });
    req.on("response", (res) => res.once("data", () => resolve(() => res.destroy())));
    req.on("upgrade", (_res, socket) => resolve(() => socket.destroy()));
    req.on("error", reject);
    req.end();
  });
}

for (const how of ["node --import hotload", "the hotload command"] as const) {
  test(`after an update, SIGTERM ends the process though streams the old version accepted stay open (an SSE response, an upgraded socket), under ${how}`, async () => {
    const dir = copyFixture("inplace-servers");
    const port = await freePort();
    const options = { env: { PORT: String(port) }, cwd: dir };
    const run = how === "the hotload command" ? spawnCli(["streams.mjs"], options) : spawnHot(join(dir, "streams.mjs"), options);
    await run.waitForLine(/^streams listening on \d+ v0$/);
    // The clients never leave by themselves (a browser tab, a WebSocket).
    const closers = [await openStream(port, false), await openStream(port, true)];
    try {
      const since = run.mark();
      replaceIn(join(dir, "streams.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
      await run.waitForLine(/^streams listening on \d+ v1!$/, 10_000, since);
      // Under plain node, restarted with the edit, the handler ends what it knows, and the process
      // ends at once; here the old version's streams end too, after a grace of at most 1 s.
      const signalled = Date.now();
      run.child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("still running after 2.5 s"), 2_500)));
      const code = await Promise.race([run.exited, late]);
      clearTimeout(timer);
      assert.equal(code, 0, `exit took ${Date.now() - signalled} ms\n${run.output()}`);
      assert.ok(run.lines.slice(since).includes("sigterm v1! ends 0"), run.output());
    } finally {
      for (const close of closers) close();
    }
  });
}

test("a cluster primary that forks as it evaluates is not updated in place: one line says why, its workers stay (case 8)", async () => {
  const dir = copyFixture("inplace-servers");
  const port = await freePort();
  const run = spawnHot(join(dir, "cluster.mjs"), { env: { PORT: String(port) } });
  await waitForLines(run, /^Worker \d+ started v0$/, 2, 0);
  let previous = "v0";
  for (const tag of ["v1!", "v22"]) {
    const since = run.mark();
    replaceIn(join(dir, "cluster.mjs"), `const TAG = "${previous}";`, `const TAG = "${tag}";`);
    previous = tag;
    await run.waitForLine(
      /^\[hotload\] cannot update \.\/cluster\.mjs in place: \.\/cluster\.mjs started 2 cluster workers as it ran, which hotload cannot retire; its workers update themselves in place, the primary keeps its version \(restart for a change to what the primary does\)$/,
      10_000,
      since,
    );
    // The workers (hot themselves, with nothing forked) update in place and serve the new code.
    await waitForLines(run, new RegExp(`^Worker \\d+ started ${tag}$`), 2, since);
    assert.equal((await get(port, false)).body, `hello world ${tag}\n`);
  }
  const workers = new Set(run.lines.map((line) => /^Worker (\d+) started/.exec(line)?.[1]).filter(Boolean));
  assert.equal(workers.size, 2, run.output());
  assert.equal(run.lines.filter((line) => line.startsWith("Primary ")).length, 1, run.output());
  assert.equal(run.lines.filter((line) => line.includes("cannot update")).length, 2, run.output());
  await run.kill();
});

test("an entry that started a child process as it evaluated: plain node keeps it and says why, the command restarts (case 8)", async () => {
  const dir = copyFixture("inplace-servers");
  const plain = spawnHot(join(dir, "child.mjs"));
  await plain.waitForLine(/^child \d+ started by \d+ v0$/);
  let since = plain.mark();
  replaceIn(join(dir, "child.mjs"), `const TAG = "v0";`, `const TAG = "v1!";`);
  await plain.waitForLine(
    /^\[hotload\] cannot update \.\/child\.mjs in place: \.\/child\.mjs started 1 child process as it ran, which hotload cannot retire; restart needed/,
    10_000,
    since,
  );
  assert.equal(plain.lines.filter((line) => line.startsWith("child ")).length, 1, plain.output());
  await plain.kill();

  // An entry that stops its child in a dispose handler is updated in place.
  const disposing = spawnHot(join(dir, "child.mjs"), { env: { DISPOSE: "1" } });
  await disposing.waitForLine(/^child \d+ started by \d+ v1!$/);
  since = disposing.mark();
  replaceIn(join(dir, "child.mjs"), `const TAG = "v1!";`, `const TAG = "v1!!";`);
  await disposing.waitForLine(/^child \d+ started by \d+ v1!!$/, 10_000, since);
  assert.doesNotMatch(disposing.output(), /cannot update/);
  await disposing.kill();

  const command = spawnCli(["child.mjs"], { cwd: dir });
  const first = /by (\d+)/.exec(await command.waitForLine(/^child \d+ started by \d+ v1!!$/))![1];
  since = command.mark();
  replaceIn(join(dir, "child.mjs"), `const TAG = "v1!!";`, `const TAG = "v22";`);
  await command.waitForLine(
    /^\[hotload\] restart: \.\/child\.mjs changed, and what its old version started \(child processes\) cannot be retired in place/,
    10_000,
    since,
  );
  const second = /by (\d+)/.exec(await command.waitForLine(/^child \d+ started by \d+ v22$/, 10_000, since))![1];
  assert.notEqual(second, first);
  assert.doesNotMatch(command.output(), /cannot update/);
  await command.kill("SIGTERM");
});
