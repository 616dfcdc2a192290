/**
 * Web frameworks under load (issue 4): fixtures/real-http, real-express, real-fastify and
 * real-hono, each a server created once and kept in import.meta.hot.data whose handler is
 * swapped on every update of routes.mjs. While this process sends a steady stream of requests
 * (on keep-alive connections and on fresh ones) to 127.0.0.1, routes.mjs is saved 20 times, 100 ms
 * apart, each time with a new response body: no request may fail, and each body must be served
 * within 100 ms of its save (from writeFileSync returning to the first response carrying it), but
 * for at most 2 late ones, none over 400 ms (a busy 2-core machine delays single samples).
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, test, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { cleanup, copyFixture, edit, ROOT, spawnHot } from "../helpers/e2e.js";
import { load, loadSummary } from "../helpers/traffic.js";

after(cleanup);

const EDITS = 20;
const SPACING_MS = 100;
const BUDGET_MS = 100;
const LATE_ALLOWED = 2;
const OUTLIER_MS = 400;

/** The body routes.mjs answers with after edit `n` (each one longer than the one before). */
const bodyOf = (n: number): string => (n === 0 ? "rev 0" : `rev ${n} ${"+".repeat(n)}`);
const WARM_UP = "warm-up: the first update of this process";
const known = new Set([WARM_UP, ...Array.from({ length: EDITS + 1 }, (_, n) => bodyOf(n))]);

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

  const traffic = load(port, (body) => known.has(body));
  try {
    await traffic.seen(bodyOf(0));
    // One update first, not timed: the first update of a process loads the update machinery
    // (lazily, see update-path.ts), and a save 100 ms later would be folded into it.
    edit(routes, (old) => old.replace(/const BODY = "[^"]*";/, `const BODY = "${WARM_UP}";`));
    await traffic.seen(WARM_UP);
    const savedAt: number[] = [];
    for (let n = 1; n <= EDITS; n++) {
      if (n > 1) await delay(SPACING_MS); // the edit pattern, not a wait for a result
      edit(routes, (old) => old.replace(/const BODY = "[^"]*";/, `const BODY = "${bodyOf(n)}";`));
      savedAt[n] = performance.now();
    }
    await traffic.seen(bodyOf(EDITS));
    await traffic.stop();

    // A save's new code is served when its body, or a later save's that superseded it before it
    // applied (saves that arrive during an update are folded into the next), is first answered.
    const seen = savedAt.map((_, n) => traffic.firstSeen(bodyOf(n)) ?? Infinity);
    const latencies = savedAt.slice(1).map((at, i) => Math.min(...seen.slice(i + 1)) - at);
    const summary = loadSummary(fixture, latencies, traffic);
    t.diagnostic(summary);
    assert.deepEqual(traffic.failures, [], summary);
    const late = latencies.flatMap((ms, i) => (ms > BUDGET_MS ? [`edit ${i + 1}: ${ms.toFixed(1)} ms`] : []));
    const updates = run.lines.filter((line) => line.startsWith("[hotload]")).join("\n");
    const detail = `${summary}\nlate: ${late.join(", ")}\nall: ${latencies.map((ms) => ms.toFixed(1)).join(" ")}\n${updates}`;
    // On 2 shared cores a descheduled test process alone can add tens of ms to one sample: at most
    // LATE_ALLOWED edits may miss the budget, and none may take OUTLIER_MS (a missed edit is Infinity).
    assert.ok(late.length <= LATE_ALLOWED, detail);
    assert.ok(
      latencies.every((ms) => ms <= OUTLIER_MS),
      detail,
    );
    // The server was created once, and kept through every update.
    assert.equal(run.lines.filter((line) => line.startsWith("listening on")).length, 1, run.output());
  } finally {
    await traffic.stop();
    await run.kill();
  }
}

describe("web frameworks keep serving while their routes are edited", () => {
  test("node:http: 20 edits under load, zero failed requests, edits served within 100 ms (at most 2 late, none over 400 ms)", (t) =>
    underLoad(t, "real-http", []));

  test("Express 5: 20 edits under load, zero failed requests, edits served within 100 ms (at most 2 late, none over 400 ms)", (t) =>
    underLoad(t, "real-express", ["express"]));

  test("Fastify 5: 20 edits under load, zero failed requests, edits served within 100 ms (at most 2 late, none over 400 ms)", (t) =>
    underLoad(t, "real-fastify", ["fastify"]));

  test("Hono on @hono/node-server: 20 edits under load, zero failed requests, edits served within 100 ms (at most 2 late, none over 400 ms)", (t) =>
    underLoad(t, "real-hono", ["hono", "@hono/node-server"]));
});
