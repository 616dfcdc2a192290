// Restarts under load (issue 13): an HTTP server whose version.mjs nothing accepts, so every save
// restarts the process, while 4 request loops run against it (2 over keep-alive connections, 2
// on a fresh connection each time). For each tool:
//   node --watch app.mjs          Node's own restart: stop, then start
//   hotload --no-overlap app.mjs  the same order, under the hotload command
//   hotload app.mjs               the new process starts first (the command holds the listening
//                                 socket for both) and the old one stops once the new one listens
// (HOTLOAD_IN_PLACE=0: otherwise hotload applies such a change in place, with no restart at all)
// it counts failed requests (errors or non-200), by kind of connection, across N saves, and the
// time from each save to the new process's `listening` line. Tools run one after the other on
// the same app; each save waits for the previous restart (plus a pause for node --watch, which
// ignores a second change within 200 ms).
//
// Usage (after `npm run build`): node bench/restart-load.mjs [--saves N] [--quick] [--json]

import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./lib/http.mjs";
import { now, sleep, spawnApp } from "./lib/proc.mjs";
import { summarize } from "./lib/stats.mjs";
import { fmtMs, renderTable } from "./lib/table.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/src/cli.js");
const WAIT_MS = 15_000;
const PAUSE_MS = 300;

const args = process.argv.slice(2);
const quick = args.includes("--quick") || args.includes("--smoke");
const savesAt = args.indexOf("--saves");
const SAVES = savesAt >= 0 ? Number(args[savesAt + 1]) : quick ? 5 : 50;

if (!existsSync(CLI)) {
  console.error(`[bench] ${CLI} is missing: run \`npm run build\` first`);
  process.exit(1);
}

const TOOLS = [
  { id: "node-watch", label: "node --watch app.mjs", args: ["--watch", "app.mjs"] },
  { id: "hotload-no-overlap", label: "hotload --no-overlap app.mjs", args: [CLI, "--no-overlap", "app.mjs"] },
  { id: "hotload", label: "hotload app.mjs (overlap)", args: [CLI, "app.mjs"] },
];

const dir = mkdtempSync(join(tmpdir(), "hotload-bench-restart-load-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
writeFileSync(
  join(dir, "app.mjs"),
  [
    'import { createServer } from "node:http";',
    'import { version } from "./version.mjs";',
    'createServer((req, res) => res.end(`v${version}`)).listen(Number(process.env.PORT), "127.0.0.1", () => console.log(`listening ${version}`));',
    "",
  ].join("\n"),
);
// Every save changes the byte length, so no watcher can miss it.
const writeVersion = (n) => writeFileSync(join(dir, "version.mjs"), `export const version = ${n};\n// ${"#".repeat(n % 50)}\n`);

/** 4 request loops; counts per kind of connection. */
function startLoad(port) {
  const kinds = { "keep-alive": { ok: 0, failed: 0 }, fresh: { ok: 0, failed: 0 } };
  let running = true;
  const loop = async (kind, agent) => {
    while (running) {
      await new Promise((done) => {
        const req = http.get({ host: "127.0.0.1", port, agent }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) kinds[kind].ok++;
            else kinds[kind].failed++;
            done();
          });
          res.on("error", () => (kinds[kind].failed++, done()));
        });
        req.on("error", () => (kinds[kind].failed++, done()));
        req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
      });
    }
  };
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const loops = [loop("keep-alive", keepAlive), loop("keep-alive", keepAlive), loop("fresh", false), loop("fresh", false)];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      keepAlive.destroy();
      return kinds;
    },
  };
}

const results = {};
let version = 0;
for (const tool of TOOLS) {
  writeVersion(++version);
  const port = await freePort();
  const app = spawnApp(process.execPath, tool.args, {
    cwd: dir,
    env: { PORT: String(port), HOTLOAD_LOG: "info", HOTLOAD_IN_PLACE: "0" },
    name: tool.label,
  });
  const latencies = [];
  let load;
  try {
    await app.waitFor(`listening ${version}`, WAIT_MS);
    load = startLoad(port);
    await sleep(PAUSE_MS);
    for (let i = 0; i < SAVES; i++) {
      const since = app.mark();
      writeVersion(++version);
      const saved = now();
      const line = await app.waitFor(`listening ${version}`, WAIT_MS, { since });
      latencies.push(line.at - saved);
      await sleep(PAUSE_MS);
    }
  } finally {
    const counts = load ? await load.stop() : undefined;
    await app.kill();
    results[tool.id] = { latencies, counts };
  }
  console.error(`[bench] ${tool.label}: done`);
}

const rows = TOOLS.map((tool) => {
  const { latencies, counts } = results[tool.id];
  const s = summarize(latencies);
  const cell = (kind) => `${counts[kind].failed} / ${counts[kind].ok + counts[kind].failed}`;
  return [tool.label, s.n, cell("keep-alive"), cell("fresh"), fmtMs(s.median), fmtMs(s.p95)];
});
console.log(
  renderTable(
    `Restarts under load: failed requests and save → new process listening (Node ${process.versions.node})`,
    ["tool", "restarts", "failed / sent, keep-alive", "failed / sent, fresh connections", "median", "p95"],
    rows,
    [
      "4 request loops on 127.0.0.1 (2 keep-alive, 2 fresh connections) for the whole run; a failure is an error or a non-200 answer.",
      `Latency from writeFileSync returning to the new process's listening line; ${PAUSE_MS} ms pause after each restart.`,
    ],
  ),
);
if (args.includes("--json")) console.log(JSON.stringify({ node: process.versions.node, results }));
