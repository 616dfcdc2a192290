// Benchmark 5: zero downtime. A node:http server (bench/apps/server-*/) serves route.mjs on
// 127.0.0.1 while the bench sends it a bounded stream of requests, from 4 loops (2 through a
// keep-alive agent, 2 on a fresh connection each time), and saves route.mjs N times, each save
// after the previous route's code ran (plus 50-100 ms). Failed requests (errors or non-200) and
// the worst latency are counted from the first save to the end. Under hotload the server is
// created once and kept in import.meta.hot.data, and the accept callback swaps the handler;
// under `node --watch` each save restarts the process.

import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import os from "node:os";
import { leafSource, parseLeafLine } from "../lib/leaf.mjs";
import { freePort, getBody, RequestLoops } from "../lib/http.mjs";
import { between, now, sleep, spawnApp } from "../lib/proc.mjs";
import { summarize } from "../lib/stats.mjs";
import { fmtMs, renderTable } from "../lib/table.mjs";
import { copyApp } from "../lib/tools.mjs";

export const name = "downtime";
export const title = "Zero downtime: HTTP server under load while its route is edited";

const SIZES = {
  full: { saves: 50, rounds: 1 },
  quick: { saves: 5, rounds: 1 },
  smoke: { saves: 2, rounds: 1 },
};
const MAX_REQUESTS = 400_000; // per tool: the load stops there whatever happens
const MAX_SECONDS = 120;

const MODES = [
  { id: "hotload", label: "hotload", app: "server-hotload", argv: ["--import", "hotload", "app.mjs"] },
  { id: "node-watch", label: "node --watch", app: "server-watch", argv: ["--watch", "app.mjs"] },
];

const ROUTE_HEADER =
  'export function handle(req, res) {\n  res.writeHead(200, { "content-type": "text/plain" });\n  res.end(`route ${seq}`);\n}';

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const data = { size, modes: {} };
  const rows = [];
  const problems = [];
  for (const mode of MODES) {
    const rec = (data.modes[mode.id] = { label: mode.label, loadavg1: os.loadavg()[0] });
    const dir = copyApp(mode.app, `downtime-${mode.id}`);
    const route = join(dir, "route.mjs");
    writeFileSync(route, leafSource(0, { header: ROUTE_HEADER }).full);
    const port = await freePort();
    const app = spawnApp(process.execPath, mode.argv, { cwd: dir, env: { PORT: String(port) }, name: `server ${mode.label}` });
    const load = new Load(port);
    try {
      await app.waitFor("@@ready", ctx.startTimeoutMs);
      load.start();
      await sleep(300); // warm: connections open, JIT warm
      load.measureFrom = now();
      let missed = 0;
      for (let seq = 1; seq <= size.saves; seq++) {
        const mark = app.mark();
        writeFileSync(route, leafSource(seq, { header: ROUTE_HEADER }).full);
        try {
          await app.waitFor((l) => parseLeafLine(l.text)?.seq >= seq, 10_000, { since: mark });
        } catch {
          missed++;
        }
        await sleep(between(50, 100));
      }
      // Until a response shows the last route, then a little more.
      const deadline = now() + 5000;
      while (load.lastVersion < size.saves && now() < deadline) await sleep(5);
      await sleep(200);
      await load.stop();
      const s = load.summary();
      Object.assign(rec, s, { saves: size.saves, missedSaves: missed, finalServed: load.lastVersion === size.saves });
      ctx.log(`${mode.label}: ${s.requests} requests, ${s.failed} failed, worst ${fmtMs(s.latency.max)}`);
      if (s.requests === 0) problems.push(`${mode.label}: no requests completed`);
    } catch (err) {
      rec.error = String(err?.message ?? err);
      if (mode.id === "hotload") problems.push(`${mode.label}: ${rec.error.split("\n")[0]}`);
      ctx.log(`${mode.label}: FAILED ${rec.error.split("\n")[0]}`);
      ctx.detail(rec.error);
    } finally {
      await load.stop();
      await app.kill();
    }
    if (rec.error) rows.push([mode.label, "FAILED", "", "", "", "", "", "", ""]);
    else
      rows.push([
        mode.label,
        String(rec.saves),
        String(rec.requests),
        `${rec.failed}${rec.failed ? ` (${rec.errors})` : ""}`,
        fmtMs(rec.downMs),
        fmtMs(rec.latency.median),
        fmtMs(rec.latency.p95),
        fmtMs(rec.latency.max),
        rec.finalServed ? "yes" : "NO",
      ]);
  }
  const hot = data.modes.hotload;
  const checks =
    hot && !hot.error
      ? [{ name: "zero failed requests under hotload", ok: hot.failed === 0, value: `${hot.failed} of ${hot.requests}` }]
      : [];
  const numbers = Object.values(data.modes).some((m) => m.requests > 0);
  return {
    data,
    tables: [
      renderTable(
        title,
        ["server under", "saves", "requests", "failed", "time with failures", "median", "p95", "worst", "last route served"],
        rows,
        [
          "4 request loops to 127.0.0.1 (2 keep-alive, 2 new connection each), counted from the first save to the end; 1 ms pause after a failure",
          "time with failures: sum of the spans from a failed request to the next successful one",
        ],
      ),
    ],
    checks,
    ok: numbers && problems.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...problems],
  };
}

/** Request loops against 127.0.0.1:port, bounded in count and time. */
class Load extends RequestLoops {
  constructor(port) {
    super(port);
    this.samples = []; // latencies of requests started after measureFrom
    this.failed = 0;
    this.errors = new Map();
    this.requests = 0;
    this.total = 0;
    this.lastVersion = 0;
    this.measureFrom = Infinity;
    this.downSince = undefined;
    this.downMs = 0;
  }
  async loop(agent) {
    while (this.running && this.total < MAX_REQUESTS && now() - this.startedAt < MAX_SECONDS * 1000) {
      this.total++;
      const t0 = now();
      const counted = t0 >= this.measureFrom;
      const res = await getBody(this.port, agent);
      const t1 = now();
      if (counted) {
        this.requests++;
        this.samples.push(t1 - t0);
      }
      if (res.ok) {
        const v = Number(/route (\d+)/.exec(res.body)?.[1]);
        if (v > this.lastVersion) this.lastVersion = v;
        if (this.downSince !== undefined) {
          this.downMs += t1 - this.downSince;
          this.downSince = undefined;
        }
      } else {
        if (counted) {
          this.failed++;
          this.errors.set(res.error, (this.errors.get(res.error) ?? 0) + 1);
          this.downSince ??= t0;
        }
        await sleep(1);
      }
    }
  }
  summary() {
    if (this.downSince !== undefined) this.downMs += now() - this.downSince;
    this.downSince = undefined;
    return {
      requests: this.requests,
      failed: this.failed,
      errors: [...this.errors].map(([k, v]) => `${k} ×${v}`).join(", "),
      downMs: this.downMs,
      latency: summarize(this.samples),
    };
  }
}
