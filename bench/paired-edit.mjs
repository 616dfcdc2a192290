// Paired save → new code for two builds of hotload (before/after a change): the same closed loop
// as the edit suite (bench/lib/closed-loop.mjs), the two builds taking turns round by round so that
// the machine's load hits both alike. Prints each build's median, p95, p99 and the ratio.
//
// Usage: node bench/paired-edit.mjs BEFORE_DIR AFTER_DIR [--rounds N] [--saves N]
// (each DIR a hotload checkout with dist/ built).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { closedLoopSession } from './lib/closed-loop.mjs';
import { leafSource } from './lib/leaf.mjs';
import { spawnApp } from './lib/proc.mjs';
import { quantile } from './lib/stats.mjs';
import { APPS } from './lib/tools.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const [beforeDir, afterDir] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).map((d) => resolve(d));
if (!beforeDir || !afterDir) {
  console.error('usage: node bench/paired-edit.mjs BEFORE_DIR AFTER_DIR [--rounds N] [--saves N]');
  process.exit(2);
}
const ROUNDS = flag('--rounds', 6);
const SAVES = flag('--saves', 60);
const builds = [
  { name: 'before', dir: beforeDir, latencies: [], missed: 0, torn: 0 },
  { name: 'after', dir: afterDir, latencies: [], missed: 0, torn: 0 },
];

for (let round = 0; round < ROUNDS; round++) {
  for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
    const dir = mkdtempSync(join(tmpdir(), 'hotload-paired-'));
    cpSync(join(APPS, 'hotload'), dir, { recursive: true });
    const leaf = join(dir, 'leaf.mjs');
    writeFileSync(leaf, leafSource(0).full);
    const app = spawnApp(process.execPath, ['--import', join(build.dir, 'dist/loader/index.js'), 'app.mjs'], { cwd: dir, name: build.name });
    try {
      await app.waitFor('@@ready', 20_000);
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
  console.error(`[paired-edit] round ${round + 1}/${ROUNDS} done`);
}

const fmt = (v) => `${v.toFixed(2)} ms`;
for (const b of builds) {
  console.log(`${b.name.padEnd(6)} ${b.dir}: saves ${b.latencies.length}, p50 ${fmt(quantile(b.latencies, 0.5))}, p95 ${fmt(quantile(b.latencies, 0.95))}, p99 ${fmt(quantile(b.latencies, 0.99))}, missed ${b.missed}, torn ${b.torn}`);
}
const [before, after] = builds;
console.log(`after/before: p50 ${(quantile(after.latencies, 0.5) / quantile(before.latencies, 0.5)).toFixed(3)}, p95 ${(quantile(after.latencies, 0.95) / quantile(before.latencies, 0.95)).toFixed(3)}`);
