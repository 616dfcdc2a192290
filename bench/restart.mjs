// Restart latency of the `hotload` command against `node --watch`.
//
// One app (app.mjs imports dep.mjs; nothing accepts dep.mjs's updates; app.mjs prints
// `ready <version>` at start-up). For each tool, the bench saves dep.mjs with a new version and
// measures the time from the save finishing (writeFileSync returned) to the restarted app's
// `ready <version>` line arriving on the bench's pipe:
//   node --watch app.mjs         Node's own restart-on-change
//   hotload --no-hot app.mjs     the supervisor watches the loaded files and restarts
//   hotload app.mjs              the app's own watcher finds the change unaccepted and asks the
//                                supervisor for a restart
// Tools take turns, a few saves each per round, so that a change in the machine's load hits all
// of them. A pause after each restart lets every watcher settle (node --watch ignores a second
// change to a file within 200 ms). The cold start of `node app.mjs` is shown for reference.
//
// Usage (after `npm run build`): node bench/restart.mjs [--saves N] [--quick] [--json]

import { writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { now, sleep, spawnApp } from "./lib/proc.mjs";
import { summarize } from "./lib/stats.mjs";
import { fmtMs, fmtRatio, renderTable } from "./lib/table.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/src/cli.js");
const SETTLE_MS = 400;
const WAIT_MS = 15_000;

const args = process.argv.slice(2);
const quick = args.includes("--quick") || args.includes("--smoke");
const savesAt = args.indexOf("--saves");
const SAVES = savesAt >= 0 ? Number(args[savesAt + 1]) : quick ? 4 : 20;
const ROUNDS = Math.min(4, SAVES);

if (!existsSync(CLI)) {
  console.error(`[bench] ${CLI} is missing: run \`npm run build\` first`);
  process.exit(1);
}

const TOOLS = [
  { id: "node-watch", label: "node --watch app.mjs", args: ["--watch", "app.mjs"] },
  { id: "hotload-no-hot", label: "hotload --no-hot app.mjs", args: [CLI, "--no-hot", "app.mjs"] },
  { id: "hotload", label: "hotload app.mjs (unaccepted change)", args: [CLI, "app.mjs"] },
];

const dir = mkdtempSync(join(tmpdir(), "hotload-bench-restart-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// Every save changes the byte length, so no watcher can miss it.
let version = 0;
function writeDep(n) {
  writeFileSync(join(dir, "dep.mjs"), `export const version = ${n};\n// ${"#".repeat(n % 50)}\n`);
}
writeFileSync(
  join(dir, "app.mjs"),
  'import { version } from "./dep.mjs";\nconsole.log(`ready ${version}`);\nsetInterval(() => {}, 1 << 30);\n',
);
writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
writeDep(version);

const env = { HOTLOAD_LOG: "info" };
const results = Object.fromEntries(TOOLS.map((t) => [t.id, []]));

for (let round = 0; round < ROUNDS; round++) {
  const saves = Math.floor(SAVES / ROUNDS) + (round < SAVES % ROUNDS ? 1 : 0);
  for (const tool of TOOLS) {
    const app = spawnApp(process.execPath, tool.args, { cwd: dir, env, name: tool.label });
    try {
      await app.waitFor(`ready ${version}`, WAIT_MS);
      await sleep(SETTLE_MS);
      for (let i = 0; i < saves; i++) {
        const since = app.mark();
        version++;
        writeDep(version);
        const saved = now();
        const line = await app.waitFor(`ready ${version}`, WAIT_MS, { since });
        results[tool.id].push(line.at - saved);
        await sleep(SETTLE_MS);
      }
    } finally {
      await app.kill();
    }
  }
  console.error(`[bench] round ${round + 1}/${ROUNDS} done`);
}

// Reference: a cold start of the same app without any watcher.
const cold = [];
for (let i = 0; i < Math.min(10, SAVES); i++) {
  const started = now();
  const app = spawnApp(process.execPath, ["app.mjs"], { cwd: dir, env, name: "node app.mjs" });
  const line = await app.waitFor(`ready ${version}`, WAIT_MS);
  cold.push(line.at - started);
  await app.kill();
}

const base = summarize(results["node-watch"]).median;
const rows = TOOLS.map((tool) => {
  const s = summarize(results[tool.id]);
  return [tool.label, s.n, fmtMs(s.median), fmtMs(s.p95), fmtMs(s.min), fmtMs(s.max), fmtRatio(base / s.median)];
});
const c = summarize(cold);
rows.push(["(reference) node app.mjs cold start", c.n, fmtMs(c.median), fmtMs(c.p95), fmtMs(c.min), fmtMs(c.max), ""]);

console.log(
  renderTable(
    `Restart latency: save → restarted app's ready line (Node ${process.versions.node})`,
    ["tool", "saves", "median", "p95", "min", "max", "speed-up vs node --watch"],
    rows,
    [
      "Measured from writeFileSync returning to the `ready <version>` line of the new process arriving on the bench pipe.",
      `${ROUNDS} rounds, tools taking turns; ${SETTLE_MS} ms pause after each restart. Speed-up = node --watch median / tool median.`,
    ],
  ),
);
if (args.includes("--json")) console.log(JSON.stringify({ node: process.versions.node, results, cold }));
