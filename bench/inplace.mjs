// An unchanged Express app (no hot code at all) whose route is saved under a request loop:
// save → first response with the new body, and failed requests, for
//   node --import hotload app.mjs          in place (issue 16): the chain up to the entry is
//                                          re-evaluated, the server handed over
//   hotload app.mjs (HOTLOAD_IN_PLACE=0)   the command's restart path: a new process per save
//   node --watch app.mjs                   Node's own restart on change (the baseline)
// Each tool serves the same app on the same port; 4 request loops (2 keep-alive, 2 on a new
// connection each) run from the first save to the last response. Tools take turns, a few saves
// each per round, so a change in the machine's load hits all of them.
//
// Usage (after `npm run build`): node bench/inplace.mjs [--saves N] [--quick] [--json]

import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, getBody, RequestLoops } from "./lib/http.mjs";
import { now, sleep, spawnApp } from "./lib/proc.mjs";
import { summarize } from "./lib/stats.mjs";
import { fmtMs, fmtRatio, renderTable } from "./lib/table.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/src/cli.js");
const WAIT_MS = 15_000;
/** Pause after each new response is seen: lets every watcher settle (node --watch ignores a
 * second change within 200 ms). */
const SETTLE_MS = 400;

const args = process.argv.slice(2);
const quick = args.includes("--quick") || args.includes("--smoke");
const savesAt = args.indexOf("--saves");
const SAVES = savesAt >= 0 ? Number(args[savesAt + 1]) : quick ? 4 : 20;
const ROUNDS = Math.min(4, SAVES);

for (const needed of [CLI, join(ROOT, "node_modules/express")]) {
  if (!existsSync(needed)) {
    console.error(`[bench] ${needed} is missing: run \`npm install\` and \`npm run build\` first`);
    process.exit(1);
  }
}

const TOOLS = [
  { id: "node-watch", label: "node --watch app.mjs", args: ["--watch", "app.mjs"], env: {} },
  { id: "restart", label: "hotload app.mjs, restart path (HOTLOAD_IN_PLACE=0)", args: [CLI, "app.mjs"], env: { HOTLOAD_IN_PLACE: "0" } },
  { id: "in-place", label: "node --import hotload app.mjs (in place)", args: ["--import", "hotload", "app.mjs"], env: {} },
];

const dir = mkdtempSync(join(tmpdir(), "hotload-bench-inplace-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "node_modules"));
symlinkSync(ROOT, join(dir, "node_modules/hotload"), "dir");
symlinkSync(join(ROOT, "node_modules/express"), join(dir, "node_modules/express"), "dir");
writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
writeFileSync(
  join(dir, "app.mjs"),
  [
    "// An Express app with no hot code.",
    'import express from "express";',
    'import { home } from "./routes.mjs";',
    "const app = express();",
    'app.get("/", home);',
    'const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));',
    "server.keepAliveTimeout = 10_000;",
    "",
  ].join("\n"),
);
// Every save changes the byte length, so no watcher can miss it.
let version = 0;
const writeRoutes = (n) =>
  writeFileSync(
    join(dir, "routes.mjs"),
    `export function home(req, res) {\n  res.type("text/plain").send("route ${n}");\n}\n// ${"#".repeat(n % 50)}\n`,
  );
writeRoutes(version);

/** Request loops against 127.0.0.1:port; records when each route version is first served. */
class Load extends RequestLoops {
  constructor(port) {
    super(port);
    this.requests = 0;
    this.failed = 0;
    this.errors = new Map();
    this.firstSeen = new Map();
  }
  /** When route `n` (or a later one) was first served; waits for it up to `ms`. */
  async until(n, ms) {
    const deadline = now() + ms;
    for (;;) {
      const seen = [...this.firstSeen].find(([v]) => v >= n);
      if (seen) return seen[1];
      if (now() > deadline) throw new Error(`route ${n} not served within ${ms} ms`);
      await sleep(1);
    }
  }
  async loop(agent) {
    while (this.running) {
      const res = await getBody(this.port, agent);
      this.requests++;
      if (res.ok) {
        const v = Number(/route (\d+)/.exec(res.body)?.[1]);
        if (!this.firstSeen.has(v)) this.firstSeen.set(v, now());
        await sleep(2);
      } else {
        this.failed++;
        this.errors.set(res.error, (this.errors.get(res.error) ?? 0) + 1);
        await sleep(1);
      }
    }
  }
}

const port = await freePort();
const results = Object.fromEntries(TOOLS.map((t) => [t.id, { latencies: [], requests: 0, failed: 0, errors: new Map(), pids: new Set() }]));

for (let round = 0; round < ROUNDS; round++) {
  const saves = Math.floor(SAVES / ROUNDS) + (round < SAVES % ROUNDS ? 1 : 0);
  for (const tool of TOOLS) {
    const rec = results[tool.id];
    const app = spawnApp(process.execPath, tool.args, { cwd: dir, env: { ...tool.env, PORT: String(port) }, name: tool.label });
    const load = new Load(port);
    try {
      await app.waitFor("ready", WAIT_MS);
      load.start();
      await load.until(version, WAIT_MS);
      for (let i = 0; i < saves; i++) {
        version++;
        writeRoutes(version);
        const saved = now();
        const seenAt = await load.until(version, WAIT_MS);
        rec.latencies.push(seenAt - saved);
        await sleep(SETTLE_MS);
      }
    } finally {
      await load.stop();
      await app.kill();
    }
    rec.requests += load.requests;
    rec.failed += load.failed;
    for (const [error, n] of load.errors) rec.errors.set(error, (rec.errors.get(error) ?? 0) + n);
  }
  console.error(`[bench] round ${round + 1}/${ROUNDS} done`);
}

const base = summarize(results["node-watch"].latencies).median;
const rows = TOOLS.map((tool) => {
  const rec = results[tool.id];
  const s = summarize(rec.latencies);
  const errors = [...rec.errors].map(([e, n]) => `${e} ×${n}`).join(", ");
  return [
    tool.label,
    s.n,
    fmtMs(s.median),
    fmtMs(s.p95),
    fmtMs(s.max),
    `${rec.failed} of ${rec.requests}${errors ? ` (${errors})` : ""}`,
    fmtRatio(base / s.median),
  ];
});
console.log(
  renderTable(
    `Unchanged Express app: save → first response with the new route (Node ${process.versions.node})`,
    ["tool", "saves", "median", "p95", "max", "failed requests", "speed-up vs node --watch"],
    rows,
    [
      "From writeFileSync returning to the first response carrying the new body, under 4 request loops (2 keep-alive, 2 new connection each).",
      `${ROUNDS} rounds, tools taking turns; ${SETTLE_MS} ms pause after each new response. Speed-up = node --watch median / tool median.`,
    ],
  ),
);
if (args.includes("--json")) {
  console.log(
    JSON.stringify({
      node: process.versions.node,
      results: Object.fromEntries(
        Object.entries(results).map(([k, v]) => [k, { ...v, errors: Object.fromEntries(v.errors), pids: undefined }]),
      ),
    }),
  );
}
