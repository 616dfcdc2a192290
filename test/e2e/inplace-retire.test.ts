/**
 * In place, a program cannot tell an update from a restart of the edited program (issue 21): each
 * case is observed after a save under hotload, and the same observation is made of the edited
 * program run afresh under plain node (the restart it stands for); both must agree.
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, symlinkSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, ROOT, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";
import { get } from "../helpers/traffic.js";

after(cleanup);

const portOf = async (run: Running, since = 0): Promise<number> => Number((await run.waitForLine(/^listening on \d+$/, 10_000, since)).slice("listening on ".length));

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

test("routes registered on a shared app by a side-effect import: a save of one serves its new handler, the others still answer", async () => {
  const dir = fixture("express");
  const entry = join(dir, "shared-app", "server.mjs");
  const paths = ["/users", "/posts"];
  const run = spawnHot(entry);
  const port = await portOf(run);
  assert.deepEqual(await bodies(port, paths), ["users v1", "posts v1"]);
  const since = run.mark();
  edit(join(dir, "shared-app", "routes", "users.mjs"), (old) => old.replace("users v1", "users v2!"));
  await run.waitForLine(/^\[hotload\] updated \.\/routes\/users\.mjs/, 10_000, since);
  const inPlace = await bodies(await portOf(run, since), paths);
  await run.kill();
  assert.deepEqual(inPlace, await restarted(entry, paths));
  assert.deepEqual(inPlace, ["users v2!", "posts v1"]);
});

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
  // New requests get the new code, as after a restart; the old top-level interval stopped.
  const inPlace = await bodies(await portOf(run, since), ["/"]);
  const firstBeat = run.lines.indexOf("beat v2!", since);
  assert.ok(firstBeat >= 0, run.output());
  assert.equal(run.lines.slice(firstBeat).filter((line) => line === "beat v1").length, 0, run.output());
  await run.kill();
  assert.deepEqual(inPlace, await restarted(entry, ["/"]));
  assert.deepEqual(inPlace, ["hello v2!"]);
});
