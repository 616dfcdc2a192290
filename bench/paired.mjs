// Two builds of hotload side by side (before/after a change), taking turns round by round so that
// the machine's load hits both alike:
//   - start-up: spawn → ready line (wall) and the CPU to ready, of the 1,000-module project of the
//     start-up suite (bench/lib/project.mjs), paired run by run;
//   - save → new code: the closed loop of the edit suite (bench/lib/closed-loop.mjs).
// Prints each build's medians and the after/before ratios.
//
// Usage: node bench/paired.mjs BEFORE_DIR AFTER_DIR [--rounds N] [--saves N] [--starts N]
// (each DIR a hotload checkout with dist/ built).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { closedLoopSession } from "./lib/closed-loop.mjs";
import { leafSource } from "./lib/leaf.mjs";
import { now, spawnApp } from "./lib/proc.mjs";
import { project } from "./lib/project.mjs";
import { quantile } from "./lib/stats.mjs";
import { APPS } from "./lib/tools.mjs";

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const [beforeDir, afterDir] = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")).map((d) => resolve(d));
if (!beforeDir || !afterDir) {
  console.error("usage: node bench/paired.mjs BEFORE_DIR AFTER_DIR [--rounds N] [--saves N] [--starts N]");
  process.exit(2);
}
const ROUNDS = flag("--rounds", 6);
const SAVES = flag("--saves", 60);
const STARTS = flag("--starts", 5);
const builds = [
  { name: "before", dir: beforeDir, latencies: [], missed: 0, torn: 0, startMs: [], startCpuMs: [] },
  { name: "after", dir: afterDir, latencies: [], missed: 0, torn: 0, startMs: [], startCpuMs: [] },
];
const startProject = project(1000);

/** One start of the 1,000-module project under `build`: wall ms to the ready line, CPU ms. */
async function startOnce(build) {
  const t0 = now();
  const app = spawnApp(process.execPath, ["--import", join(build.dir, "dist/loader/index.js"), "app.mjs"], {
    cwd: startProject.dir,
    name: build.name,
  });
  try {
    const f = (await app.waitFor("@@ready", 60_000)).text.split(" ");
    return { ms: Number(f[1]) - t0, cpuMs: Number(f[3]) / 1000 };
  } finally {
    await app.kill();
  }
}

for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < STARTS; i++) {
    for (const build of (round + i) % 2 === 0 ? builds : [...builds].reverse()) {
      const { ms, cpuMs } = await startOnce(build);
      build.startMs.push(ms);
      build.startCpuMs.push(cpuMs);
    }
  }
  for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
    const dir = mkdtempSync(join(tmpdir(), "hotload-paired-"));
    cpSync(join(APPS, "hotload"), dir, { recursive: true });
    const leaf = join(dir, "leaf.mjs");
    writeFileSync(leaf, leafSource(0).full);
    const app = spawnApp(process.execPath, ["--import", join(build.dir, "dist/loader/index.js"), "app.mjs"], {
      cwd: dir,
      name: build.name,
    });
    try {
      await app.waitFor("@@ready", 20_000);
      await app.waitFor(/^@@hot ok 0 /, 2000);
      const result = await closedLoopSession(app, leaf, { saves: SAVES });
      build.latencies.push(...result.latencies);
      build.missed += result.missed ?? 0;
      build.torn += Object.values(result.torn ?? {}).reduce((a, b) => a + b, 0);
    } finally {
      await app.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.error(`[paired] round ${round + 1}/${ROUNDS} done`);
}

const fmt = (v) => `${v.toFixed(2)} ms`;
const ratios = (key) => builds[1][key].map((v, i) => v / builds[0][key][i]);
for (const b of builds)
  console.log(
    `${b.name.padEnd(6)} start-up (1,000 modules, ${b.startMs.length} runs): median ${fmt(quantile(b.startMs, 0.5))} wall, ${fmt(quantile(b.startCpuMs, 0.5))} CPU`,
  );
console.log(
  `start-up after/before, paired run by run: wall ${quantile(ratios("startMs"), 0.5).toFixed(3)}, CPU ${quantile(ratios("startCpuMs"), 0.5).toFixed(3)} (medians of the ratios)`,
);
for (const b of builds) {
  console.log(
    `${b.name.padEnd(6)} ${b.dir}: saves ${b.latencies.length}, p50 ${fmt(quantile(b.latencies, 0.5))}, p95 ${fmt(quantile(b.latencies, 0.95))}, p99 ${fmt(quantile(b.latencies, 0.99))}, missed ${b.missed}, torn ${b.torn}`,
  );
}
const [before, after] = builds;
console.log(
  `save → new code after/before: p50 ${(quantile(after.latencies, 0.5) / quantile(before.latencies, 0.5)).toFixed(3)}, p95 ${(quantile(after.latencies, 0.95) / quantile(before.latencies, 0.95)).toFixed(3)}`,
);
