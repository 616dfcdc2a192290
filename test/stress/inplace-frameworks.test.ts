/**
 * Zero-config in-place updates (issue 16): apps with no hot code at all (no import.meta.hot, no
 * module.hot) under a steady request loop. Editing a route re-evaluates the route and the entry
 * in the running process; the entry's new server takes over the old one's listening socket.
 * No request may fail, each edit is served within 50 ms of its save (the median, and all but 5 of
 * 20; not judged when the load average is over three times the core count), the process and port stay
 * the same, and after 20 edits no interval or listener is duplicated.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { cleanup, copyFixture, edit, ROOT, spawnHot, type Running } from "../helpers/e2e.js";
import { get, load, loadSummary, median } from "../helpers/traffic.js";

after(cleanup);

const EDITS = 20;
const SPACING_MS = 100;
const BUDGET_MS = 50;
/** Edits of EDITS allowed over BUDGET_MS: the machine may be busy with other work. */
const LATE_ALLOWED = 5;
/** A machine running more than three times as many processes as it has cores (shared CI, parallel runs). */
const overloaded = (): boolean => loadavg()[0]! > 3 * availableParallelism();

/** The body a route answers with after edit `n` (each one longer than the one before). */
const bodyOf = (n: number): string => (n === 0 ? "rev 0" : `rev ${n} ${"+".repeat(n)}`);
const known = new Set(Array.from({ length: EDITS + 1 }, (_, n) => bodyOf(n)));

interface App {
  readonly fixture: string;
  readonly entry: string;
  readonly routes: string;
  readonly packages: readonly string[];
}

const APPS: readonly App[] = [
  { fixture: "inplace-http", entry: "server.mjs", routes: "routes.mjs", packages: [] },
  { fixture: "inplace-express", entry: "server.mjs", routes: "routes.mjs", packages: ["express"] },
  { fixture: "inplace-express-cjs", entry: "server.cjs", routes: "routes.cjs", packages: ["express"] },
  { fixture: "inplace-fastify", entry: "server.mjs", routes: "routes.mjs", packages: ["fastify"] },
  { fixture: "inplace-koa", entry: "server.mjs", routes: "routes.mjs", packages: ["koa"] },
  { fixture: "inplace-hono", entry: "server.mjs", routes: "routes.mjs", packages: ["hono", "@hono/node-server"] },
];

interface Health {
  readonly pid: number;
  readonly timers: number;
  readonly sigterm: number;
  readonly tag: string;
  readonly ticks?: number;
  /** When the ticker that runs was evaluated (Date.now()). */
  readonly tickerSince?: number;
}

async function health(port: number): Promise<Health> {
  const { status, body } = await get(port, false, "/health");
  assert.equal(status, 200, body);
  return JSON.parse(body) as Health;
}

/** Starts `app` on a fixture copy (its packages linked) and returns the process and its port. */
async function start(app: App): Promise<{ dir: string; run: Running; port: number }> {
  const dir = copyFixture(app.fixture);
  for (const name of app.packages) {
    // A copy in the temp dir does not see this repository's node_modules: link what it imports.
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
  const run = spawnHot(join(dir, app.entry));
  const port = Number((await run.waitForLine(/^listening on \d+$/)).slice("listening on ".length));
  return { dir, run, port };
}

/** Every "listening on" line names the same port: each new server took the old one's socket. */
function assertOnePort(run: Running, port: number): void {
  const ports = new Set(run.lines.filter((line) => line.startsWith("listening on")).map((line) => Number(line.slice(13))));
  assert.deepEqual([...ports], [port], run.output());
}

async function routesUnderLoad(t: TestContext, app: App): Promise<void> {
  const { dir, run, port } = await start(app);
  // One loop of each kind: a request loop, not a flood that starves the app on a shared machine.
  const traffic = load(port, (body) => known.has(body), { keepAliveLoops: 1, freshLoops: 1 });
  try {
    const before = await health(port);
    assert.equal(before.pid, run.child.pid);
    await traffic.seen(bodyOf(0));
    const savedAt: number[] = [];
    for (let n = 1; n <= EDITS; n++) {
      if (n > 1) await delay(SPACING_MS); // the edit pattern, not a wait for a result
      edit(join(dir, app.routes), (old) => old.replace(/const BODY = "[^"]*";/, `const BODY = "${bodyOf(n)}";`));
      savedAt[n] = performance.now();
    }
    await traffic.seen(bodyOf(EDITS));
    await traffic.stop();

    const latencies = savedAt.slice(1).map((at, i) => (traffic.firstSeen(bodyOf(i + 1)) ?? Infinity) - at);
    const summary = loadSummary(app.fixture, latencies, traffic);
    t.diagnostic(summary);
    assert.deepEqual(traffic.failures, [], summary);
    // Within 50 ms: the median always, and all but a few edits on a machine busy with other work
    // (CI, parallel test files). An edit never served (the next save came first) counts as late.
    const late = latencies.flatMap((ms, i) => (ms > BUDGET_MS ? [`edit ${i + 1}: ${ms.toFixed(1)} ms`] : []));
    const updates = run.lines.filter((line) => line.startsWith("[hotload]")).join("\n");
    const detail = `${summary}\nall: ${latencies.map((ms) => ms.toFixed(1)).join(" ")}\n${updates}`;
    if (overloaded()) {
      // Every process here waits for a core: times say more about the machine than about hotload.
      t.diagnostic(`load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores: latency not judged`);
    } else {
      assert.ok(median(latencies) <= BUDGET_MS, detail);
      assert.ok(late.length <= LATE_ALLOWED, `more than ${LATE_ALLOWED} late edits: ${late.join(", ")}\n${detail}`);
    }

    // Same process, same port, and what the entry started was stopped before it ran again.
    const afterEdits = await health(port);
    assert.equal(afterEdits.pid, before.pid);
    assert.equal(afterEdits.timers, before.timers, `active timers before ${before.timers}, after ${afterEdits.timers}`);
    assert.equal(afterEdits.sigterm, before.sigterm, "SIGTERM listeners");
    assertOnePort(run, port);
    // The entry ran again (and listened again) once per update; two saves close together may be one.
    const updated = run.lines.filter((line) => line.startsWith("[hotload] updated")).length;
    assert.ok(updated >= EDITS / 2, `${updated} updates for ${EDITS} edits`);
    await untilLines(run, "listening on", updated + 1);
  } finally {
    await traffic.stop();
    await run.kill();
  }
}

/** Waits until exactly `count` lines start with `prefix` (a line may arrive after the response). */
async function untilLines(run: Running, prefix: string, count: number, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  const seen = (): number => run.lines.filter((line) => line.startsWith(prefix)).length;
  while (seen() < count && performance.now() < deadline) await delay(5);
  assert.equal(seen(), count, `lines starting with ${JSON.stringify(prefix)}\n${run.output()}`);
}

/** Polls /health until its tag is `tag` (the new entry answers), within `ms`. */
async function untilTag(port: number, tag: string, ms = 5_000): Promise<Health> {
  const deadline = performance.now() + ms;
  for (;;) {
    const now = await health(port);
    if (now.tag === tag) return now;
    if (performance.now() > deadline) throw new Error(`/health still says ${JSON.stringify(now.tag)}, not ${JSON.stringify(tag)}`);
    await delay(5);
  }
}

async function entryUnderLoad(app: App): Promise<void> {
  const { dir, run, port } = await start(app);
  const traffic = load(port, (body) => known.has(body), { keepAliveLoops: 1, freshLoops: 1 });
  try {
    const before = await health(port);
    for (let n = 1; n <= 5; n++) {
      edit(join(dir, app.entry), (old) => old.replace(/const TAG = "[^"]*";/, `const TAG = "entry ${n} ${"+".repeat(n)}";`));
      const now = await untilTag(port, `entry ${n} ${"+".repeat(n)}`);
      assert.equal(now.pid, before.pid);
      assert.equal(now.timers, before.timers);
      assert.equal(now.sigterm, before.sigterm);
    }
    await traffic.stop();
    assert.deepEqual(traffic.failures, []);
    assert.ok(traffic.served.keepAlive + traffic.served.fresh > 0);
    assertOnePort(run, port);
  } finally {
    await traffic.stop();
    await run.kill();
  }
}

describe("apps with no hot code are updated in place", () => {
  for (const app of APPS) {
    test(`${app.fixture}: 20 route edits under load, zero failed requests, each served within 50 ms, nothing duplicated`, (t) =>
      routesUnderLoad(t, app));
  }
  for (const app of APPS) {
    test(`${app.fixture}: editing the entry hands its server over with no failed request`, () => entryUnderLoad(app));
  }
});

describe("timers of kept modules keep running; those of replaced versions stop", () => {
  const app = APPS[0]!;

  test("a side module's interval keeps ticking through route edits, and is replaced, not doubled, when it is edited", async () => {
    const { dir, run, port } = await start(app);
    try {
      const first = await health(port);
      for (let n = 1; n <= 3; n++) {
        const since = run.mark();
        edit(join(dir, app.routes), (old) => old.replace(/const BODY = "[^"]*";/, `const BODY = "${bodyOf(n)}";`));
        await run.waitForLine(/^listening on/, 10_000, since);
      }
      // The kept module's interval still runs, and there is still one of it.
      const kept = await health(port);
      assert.equal(kept.timers, first.timers);
      const tickedFrom = kept.ticks ?? 0;
      await untilTicks(port, tickedFrom + 3);

      // Editing the side module itself replaces its interval: counting starts again, one timer.
      let lastEditAt = 0;
      for (let n = 1; n <= 10; n++) {
        const since = run.mark();
        lastEditAt = Date.now();
        edit(join(dir, "ticker.mjs"), (old) => `${old}// edit ${n}\n`);
        await run.waitForLine(/^listening on/, 10_000, since);
      }
      const replaced = await health(port);
      assert.equal(replaced.timers, first.timers);
      assert.equal(replaced.pid, first.pid);
      // The ticker that runs is the last edit's, counting from 0 (one timer, checked above).
      assert.ok(
        (replaced.tickerSince ?? 0) >= lastEditAt,
        `the running ticker was evaluated by the last edit (${replaced.tickerSince} < ${lastEditAt})`,
      );
      assert.notEqual(replaced.tickerSince, kept.tickerSince);
      await untilTicks(port, (replaced.ticks ?? 0) + 2);
    } finally {
      await run.kill();
    }
  });
});

async function untilTicks(port: number, ticks: number, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (((await health(port)).ticks ?? 0) < ticks) {
    if (performance.now() > deadline) throw new Error(`the interval does not tick (wanted ${ticks})`);
    await delay(10);
  }
}
