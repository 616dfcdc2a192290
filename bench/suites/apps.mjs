// Benchmark 7: real apps. Four apps shaped like the ones hotload was tried on (bench/apps/):
// Express + SQLite in CommonJS (routes → services → db), Fastify in ES modules (plugins and routes
// registered from the entry), Hono on @hono/node-server run through tsx, and the README's quick
// start (Express). None has hot code. For each, in one run:
//   start-up: spawn → first 200 response, plain node against node --import hotload, runs paired
//     (each hotload start against the plain start of the same round, the order alternating);
//   save → new response in place: a route file saved N times (each save changes its byte length
//     and the version its body shows) under 4 request loops polling that route; the time from the
//     save to the first response with the new body, and hotload's own account of each update
//     (HOTLOAD_LOG=timings: `update timings: total, program, hotload`, see src/engine/update/timings.ts;
//     the default log's lines and this one, not the debug lines a user does not see by default)
//     split into the program's own loading and evaluation and hotload's own work;
//   failed requests from the first save to the last (there must be none).

import { existsSync, readFileSync, symlinkSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { freePort, getBody, RequestLoops } from "../lib/http.mjs";
import { between, now, sleep, spawnApp } from "../lib/proc.mjs";
import { quantile, summarize } from "../lib/stats.mjs";
import { fmtMs, fmtRatio, renderTable } from "../lib/table.mjs";
import { BENCH, ROOT, copyApp, peerVersion } from "../lib/tools.mjs";

export const name = "apps";
export const title = "Real apps: start-up and save → new response in place";

const SIZES = {
  full: { starts: 10, edits: 20, warmup: 2 },
  quick: { starts: 3, edits: 5, warmup: 1 },
  smoke: { starts: 1, edits: 2, warmup: 1 },
};

const APPS = [
  {
    id: "express-sqlite",
    label: "Express + SQLite, CommonJS",
    entry: "server.js",
    route: "routes/status.js",
    path: "/status",
    packages: ["express"],
  },
  { id: "fastify-esm", label: "Fastify, ESM", entry: "server.mjs", route: "routes/status.mjs", path: "/status", packages: ["fastify"] },
  {
    id: "hono-tsx",
    label: "Hono on tsx",
    entry: "src/index.ts",
    preload: ["--import", "tsx"],
    route: "src/routes/status.ts",
    path: "/status",
    packages: ["hono", "@hono/node-server", "tsx"],
  },
  { id: "quickstart", label: "README quick start (Express)", entry: "server.mjs", route: "routes.mjs", path: "/", packages: ["express"] },
];

/** Target: hotload's own share of an in-place update (median). */
const OWN_LIMIT_MS = 1;
const WAIT_MS = 15_000;
const VERSION = /\bv(\d+)\b/;
const SPLIT = /update timings: total ([\d.]+) ms, program ([\d.]+) ms, hotload ([-\d.]+) ms \(hooks ([\d.]+) ms\)/;

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const data = { size, apps: {} };
  const rows = [];
  const checks = [];
  const problems = [];
  let numbers = false;
  for (const app of APPS) {
    const rec = (data.apps[app.id] = { label: app.label, loadavg1: os.loadavg()[0] });
    const missing = app.packages.filter((p) => !installed(p));
    if (missing.length) {
      rec.skipped = `${missing.join(", ")} not installed (npm install --prefix bench)`;
      ctx.log(`skip ${app.label}: ${rec.skipped}`);
      rows.push([app.label, "skipped", "", "", "", "", "", "", "", "", "", ""]);
      continue;
    }
    try {
      const dir = copyApp(app.id, `apps-${app.id}`);
      linkFromPackage(dir, app.packages);
      rec.startup = await startups(app, dir, size, ctx);
      ctx.log(
        `${app.label}: start-up ${fmtMs(rec.startup.node.median)} → ${fmtMs(rec.startup.hotload.median)} (paired ${fmtRatio(rec.startup.paired.median)})`,
      );
      rec.edits = await edits(app, dir, size);
      ctx.log(
        `${app.label}: save → new response ${fmtMs(rec.edits.latency.median)}, hotload's own ${fmtMs(rec.edits.own.median)}, ${rec.edits.failed} of ${rec.edits.requests} requests failed`,
      );
      numbers = true;
    } catch (err) {
      rec.error = String(err?.message ?? err);
      problems.push(`${app.label}: ${rec.error.split("\n")[0]}`);
      ctx.log(`${app.label}: FAILED ${rec.error.split("\n")[0]}`);
      ctx.detail(rec.error);
      rows.push([app.label, "FAILED", "", "", "", "", "", "", "", "", "", ""]);
      continue;
    }
    const { startup: s, edits: e } = rec;
    rows.push([
      app.label,
      fmtMs(s.node.median),
      fmtMs(s.hotload.median),
      `${fmtRatio(s.hotload.median / s.node.median)} (${fmtRatio(s.paired.median)})`,
      `${fmtMs(e.latency.median)} / ${fmtMs(e.latency.p90)}`,
      fmtMs(e.outside.median),
      fmtMs(e.total.median),
      fmtMs(e.program.median),
      `${fmtMs(e.own.median)} / ${fmtMs(e.own.p90)}`,
      fmtMs(e.hooks.median),
      `${e.latency.n}`,
      `${e.failed} of ${e.requests}${e.failed ? ` (${e.errors})` : ""}`,
    ]);
    checks.push({
      name: `hotload's own share of an in-place update ≤ ${OWN_LIMIT_MS} ms: ${app.label}`,
      ok: e.own.median <= OWN_LIMIT_MS,
      value: `median ${fmtMs(e.own.median)}, p90 ${fmtMs(e.own.p90)}, max ${fmtMs(e.own.max)} of ${fmtMs(e.total.median)} in all`,
    });
    checks.push({ name: `no failed request while ${app.label} is edited`, ok: e.failed === 0, value: `${e.failed} of ${e.requests}` });
  }
  const peers = [...new Set(APPS.flatMap((a) => a.packages))].map((p) => `${p} ${peerVersion(p) ?? packageVersion(p) ?? "missing"}`);
  return {
    data,
    tables: [
      renderTable(
        title,
        [
          "app",
          "start-up: node",
          "hotload",
          "vs node (paired)",
          "save → new response p50 / p90",
          "outside the update",
          "update",
          "program's modules",
          "hotload's own p50 / p90",
          "of which hooks",
          "saves",
          "failed requests",
        ],
        rows,
        [
          `start-up: spawn → first 200 response of the polled route, median of ${size.starts} run(s) each; in brackets the median of the ratios of the runs paired round by round (order alternating)`,
          "save → new response: writeFileSync returned → the first response whose body shows the new version, under 4 request loops (2 keep-alive, 2 new connection each, 2 ms apart) polling the route",
          "update, program's modules, hotload's own: medians of hotload's account of each update (HOTLOAD_LOG=timings, its `update timings` line: docs/performance.md): update = from the settled save to the result; program's modules = import() of the new versions (Node resolving, reading, compiling, linking, evaluating; tsx too) less hotload's hooks and the dispose while they wait at its gate; hotload's own = the rest, its `updated` line included (no debug lines: HOTLOAD_LOG=debug adds 0.1-0.15 ms of them)",
          "outside the update: save → new response less the update, median: the file watcher's event and 3 ms settle, reading the file, the poll's next request",
          `${size.edits} saves per app after ${size.warmup} not counted (the first save loads hotload's update path); 100-200 ms between a new response and the next save`,
          `failed requests: from the first save to the last new response; ${peers.join(", ")}`,
        ],
      ),
    ],
    checks,
    ok: numbers && problems.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...problems],
  };
}

/** Whether `pkg` can be found by the apps: installed in bench/ or, for a smoke run, in the package's devDependencies. */
function installed(pkg) {
  return peerVersion(pkg) !== undefined || packageVersion(pkg) !== undefined;
}

/** The version of `pkg` in the repository's own node_modules (its devDependencies). */
function packageVersion(pkg) {
  const file = join(ROOT, "node_modules", pkg, "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : undefined;
}

/** Links into the app's folder the packages bench/ lacks, from the repository's own node_modules. */
function linkFromPackage(dir, packages) {
  for (const pkg of packages) {
    if (existsSync(join(BENCH, "node_modules", pkg, "package.json"))) continue;
    mkdirSync(dirname(join(dir, "node_modules", pkg)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", pkg), join(dir, "node_modules", pkg), "dir");
  }
}

function argv(app, hot) {
  return [...(app.preload ?? []), ...(hot ? ["--import", "hotload"] : []), app.entry];
}

/** Polls `path` until a 200 comes; returns when it came and its body. */
async function firstResponse(port, path, proc, ms) {
  const deadline = now() + ms;
  for (;;) {
    const res = await getBody(port, false, path);
    if (res.ok) return { at: now(), body: res.body };
    if (proc.exited) throw new Error(`${proc.name} exited (${proc.exited.code ?? proc.exited.signal})\n${proc.tail(15)}`);
    if (now() > deadline) throw new Error(`${proc.name}: no response within ${ms} ms\n${proc.tail(15)}`);
    await sleep(2);
  }
}

async function startOnce(app, dir, hot, env = {}) {
  const port = await freePort();
  const t0 = now();
  const proc = spawnApp(process.execPath, argv(app, hot), {
    cwd: dir,
    env: { PORT: String(port), ...env },
    name: `${app.label}${hot ? " (hotload)" : ""}`,
  });
  try {
    const { at } = await firstResponse(port, app.path, proc, WAIT_MS);
    return { ms: at - t0, proc, port };
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

async function startups(app, dir, size, ctx) {
  // hotload's code cache of its own code is written by a first start (see suites/startup.mjs).
  const warm = await startOnce(app, dir, true, { HOTLOAD_LOG: "debug" });
  try {
    if (!warm.proc.lines.some((l) => /code cache: hooks: used/.test(l.text)))
      await warm.proc
        .waitFor(/code cache: written to/, 10_000)
        .catch(() => ctx.log("hotload's code cache was not written: starts compile its code"));
  } finally {
    await warm.proc.kill();
  }
  const node = [];
  const hotload = [];
  const paired = [];
  for (let i = 0; i < size.starts; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    const ms = {};
    for (const hot of order) {
      const { ms: t, proc } = await startOnce(app, dir, hot);
      await proc.kill();
      ms[hot] = t;
    }
    node.push(ms[false]);
    hotload.push(ms[true]);
    paired.push(ms[true] / ms[false]);
  }
  return { node: summarize(node), hotload: summarize(hotload), paired: summarize(paired), raw: { node, hotload } };
}

/** Route versions served, from 4 request loops; counts failures. */
class Poll extends RequestLoops {
  constructor(port, path) {
    super(port);
    this.path = path;
    this.requests = 0;
    this.failed = 0;
    this.errors = new Map();
    this.firstSeen = new Map();
  }
  async loop(agent) {
    while (this.running) {
      const res = await getBody(this.port, agent, this.path);
      this.requests++;
      if (res.ok) {
        const v = Number(VERSION.exec(res.body)?.[1]);
        if (!this.firstSeen.has(v)) this.firstSeen.set(v, now());
        await sleep(2);
      } else {
        this.failed++;
        this.errors.set(res.error, (this.errors.get(res.error) ?? 0) + 1);
        await sleep(1);
      }
    }
  }
  /** When version `n` (or a later one) was first served; waits for it up to `ms`. */
  async until(n, ms) {
    const deadline = now() + ms;
    for (;;) {
      for (const [v, at] of this.firstSeen) if (v >= n) return at;
      if (now() > deadline) throw new Error(`version ${n} of the route not served within ${ms} ms`);
      await sleep(1);
    }
  }
}

async function edits(app, dir, size) {
  const route = join(dir, app.route);
  const original = readFileSync(route, "utf8");
  // Every save changes the version the body shows and the file's byte length.
  const save = (seq) => writeFileSync(route, original.replace(/\bv\d+\b/, `v${seq}`).replace(/\/\/ pad:#*/, `// pad:${"#".repeat(seq)}`));
  const { proc, port } = await startOnce(app, dir, true, { HOTLOAD_LOG: "timings" });
  const poll = new Poll(port, app.path);
  const samples = { latency: [], outside: [], total: [], program: [], own: [], hooks: [] };
  try {
    poll.start();
    await poll.until(0, WAIT_MS);
    let seq = 0;
    for (let i = 0; i < size.warmup + size.edits; i++) {
      seq++;
      const mark = proc.mark();
      save(seq);
      const saved = now();
      const seen = await poll.until(seq, WAIT_MS);
      const line = await proc.waitFor(SPLIT, WAIT_MS, { since: mark });
      if (i >= size.warmup) {
        const [, total, program, own, hooks] = SPLIT.exec(line.text).map(Number);
        samples.latency.push(seen - saved);
        samples.outside.push(seen - saved - total);
        samples.total.push(total);
        samples.program.push(program);
        samples.own.push(own);
        samples.hooks.push(hooks);
      }
      await sleep(between(100, 200));
    }
  } finally {
    await poll.stop();
    await proc.kill();
  }
  const stats = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, { ...summarize(xs), p90: quantile(xs, 0.9) }]));
  return {
    ...stats,
    raw: samples,
    requests: poll.requests,
    failed: poll.failed,
    errors: [...poll.errors].map(([k, v]) => `${k} ×${v}`).join(", "),
  };
}
