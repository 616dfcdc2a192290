/**
 * Web frameworks under load (issue 4): fixtures/real-http, real-express, real-fastify and
 * real-hono, each a server created once and kept in import.meta.hot.data whose handler is
 * swapped on every update of routes.mjs. While this process sends a steady stream of requests
 * (on keep-alive connections and on fresh ones) to 127.0.0.1, routes.mjs is saved 20 times, 100 ms
 * apart, each time with a new response body: no request may fail, and each body must be served
 * within 100 ms of its save (from writeFileSync returning to the first response carrying it).
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { Agent, request } from "node:http";
import { dirname, join } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { cleanup, copyFixture, edit, ROOT, spawnHot } from "../helpers/e2e.js";

after(cleanup);

const EDITS = 20;
const SPACING_MS = 100;
const BUDGET_MS = 100;
/** Concurrent request loops of each kind. */
const KEEP_ALIVE_LOOPS = 2;
const FRESH_LOOPS = 2;
/** Bounds of each loop, whatever happens. */
const MAX_REQUESTS_PER_LOOP = 40_000;
const MAX_LOAD_MS = 8_000;
/** Pause of each loop between a response and its next request. */
const PAUSE_MS = 4;

/** The body routes.mjs answers with after edit `n` (each one longer than the one before). */
const bodyOf = (n: number): string => (n === 0 ? "rev 0" : `rev ${n} ${"+".repeat(n)}`);

interface Response {
  readonly status: number;
  readonly body: string;
}

function get(port: number, agent: Agent | false): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/", agent, headers: agent ? {} : { connection: "close" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.setTimeout(2_000, () => req.destroy(new Error("no response within 2 s")));
    req.on("error", reject);
    req.end();
  });
}

type Kind = "keepAlive" | "fresh";

/** Request loops against `port` until stopped; records when each body was first seen on each kind of connection. */
function load(port: number) {
  const known = new Set(Array.from({ length: EDITS + 1 }, (_, n) => bodyOf(n)));
  const firstSeen = { keepAlive: new Map<string, number>(), fresh: new Map<string, number>() };
  const failures: string[] = [];
  const served = { keepAlive: 0, fresh: 0 };
  const waiters = new Set<() => void>();
  const keepAlive = new Agent({ keepAlive: true, maxSockets: KEEP_ALIVE_LOOPS });
  const started = performance.now();
  let stopped = false;

  const loop = async (kind: Kind): Promise<void> => {
    for (let i = 0; i < MAX_REQUESTS_PER_LOOP && !stopped && performance.now() - started < MAX_LOAD_MS; i++) {
      try {
        const { status, body } = await get(port, kind === "keepAlive" ? keepAlive : false);
        const at = performance.now();
        if (status !== 200 || !known.has(body)) {
          failures.push(`${kind}: ${status} ${JSON.stringify(body.slice(0, 200))}`);
        } else {
          served[kind]++;
          if (!firstSeen[kind].has(body)) {
            firstSeen[kind].set(body, at);
            for (const wake of waiters) wake();
          }
        }
      } catch (error) {
        failures.push(`${kind}: ${String(error)}`);
      }
      // A steady stream, not a flood: leave the two processes CPU for the updates.
      await delay(PAUSE_MS);
    }
  };
  const loops = [
    ...Array.from({ length: KEEP_ALIVE_LOOPS }, () => loop("keepAlive")),
    ...Array.from({ length: FRESH_LOOPS }, () => loop("fresh")),
  ];

  return {
    failures,
    served,
    /** When `body` was first received, on any connection (undefined: never). */
    firstSeen(body: string): number | undefined {
      const times = [firstSeen.keepAlive.get(body), firstSeen.fresh.get(body)].filter((t) => t !== undefined);
      return times.length ? Math.min(...times) : undefined;
    },
    /** Resolves when `body` has been served on both kinds of connection (rejects after `ms`). */
    seen(body: string, ms = 5_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!firstSeen.keepAlive.has(body) || !firstSeen.fresh.has(body)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${JSON.stringify(body)} not served on both kinds of connection within ${ms} ms; failures: ${failures.slice(0, 5).join("; ")}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(loops);
      keepAlive.destroy();
    },
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs the whole scenario on a copy of `fixture` whose node_modules links `packages`. */
async function underLoad(t: TestContext, fixture: string, packages: readonly string[]): Promise<void> {
  const dir = copyFixture(fixture);
  for (const name of packages) {
    // A copy in the temp dir does not see this repository's node_modules: link what it imports.
    const link = join(dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }
  const run = spawnHot(join(dir, "server.mjs"));
  const port = Number((await run.waitForLine(/^listening on \d+$/)).slice("listening on ".length));
  const routes = join(dir, "routes.mjs");

  const traffic = load(port);
  try {
    await traffic.seen(bodyOf(0));
    const savedAt: number[] = [];
    for (let n = 1; n <= EDITS; n++) {
      if (n > 1) await delay(SPACING_MS); // the edit pattern, not a wait for a result
      edit(routes, (old) => old.replace(/const BODY = "[^"]*";/, `const BODY = "${bodyOf(n)}";`));
      savedAt[n] = performance.now();
    }
    await traffic.seen(bodyOf(EDITS));
    await traffic.stop();

    const latencies = savedAt.slice(1).map((at, i) => (traffic.firstSeen(bodyOf(i + 1)) ?? Infinity) - at);
    const summary =
      `${fixture}: save → first response with the new body: max ${Math.max(...latencies).toFixed(1)} ms, ` +
      `median ${median(latencies).toFixed(1)} ms; ${traffic.served.keepAlive} keep-alive and ` +
      `${traffic.served.fresh} fresh-connection responses, ${traffic.failures.length} failed`;
    t.diagnostic(summary);
    assert.deepEqual(traffic.failures, [], summary);
    const late = latencies.flatMap((ms, i) => (ms > BUDGET_MS ? [`edit ${i + 1}: ${ms.toFixed(1)} ms`] : []));
    const updates = run.lines.filter((line) => line.startsWith("[hotload]")).join("\n");
    assert.deepEqual(late, [], `${summary}\nall: ${latencies.map((ms) => ms.toFixed(1)).join(" ")}\n${updates}`);
    // The server was created once, and kept through every update.
    assert.equal(run.lines.filter((line) => line.startsWith("listening on")).length, 1, run.output());
  } finally {
    await traffic.stop();
    await run.kill();
  }
}

describe("web frameworks keep serving while their routes are edited", () => {
  test("node:http: 20 edits under load, zero failed requests, each edit served within 100 ms", (t) =>
    underLoad(t, "real-http", []));

  test("Express 5: 20 edits under load, zero failed requests, each edit served within 100 ms", (t) =>
    underLoad(t, "real-express", ["express"]));

  test("Fastify 5: 20 edits under load, zero failed requests, each edit served within 100 ms", (t) =>
    underLoad(t, "real-fastify", ["fastify"]));

  test("Hono on @hono/node-server: 20 edits under load, zero failed requests, each edit served within 100 ms", (t) =>
    underLoad(t, "real-hono", ["hono", "@hono/node-server"]));
});
