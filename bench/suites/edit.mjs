// Benchmark 1: edit to new code. One app per tool (bench/apps/<tool>/): app.mjs imports leaf.mjs
// and is its accept boundary (or, for the restart tools, nothing accepts it). The bench saves
// leaf.mjs and measures the time from the save returning to the new version's top-level code
// running, plus stale (final save never applied) and torn (first part of a two-step save applied).
// Tools take turns, one round each at a time, so that a change in the machine's load hits all.

import { join } from 'node:path';
import os from 'node:os';
import { editSession, STALE_WAIT_MS } from '../lib/edits.mjs';
import { leafSource } from '../lib/leaf.mjs';
import { spawnApp } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';
import { fmtMs, fmtRatio, renderTable } from '../lib/table.mjs';
import { copyApp, peerVersion, TOOLS, whyMissing, writeText } from '../lib/tools.mjs';

export const name = 'edit';
export const title = 'Edit to new code (single-file edit, one accept boundary)';

const SIZES = {
  // rounds x saves per round, for HMR tools and for restart tools (closed loop: slow)
  full: { rounds: 4, hmr: 50, restart: 15 },
  quick: { rounds: 1, hmr: 20, restart: 3 },
  smoke: { rounds: 1, hmr: 4, restart: 1, warmup: 1, staleWaitMs: 1000, startPauseMs: 100 },
};

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const data = { size, tools: {} };
  const tools = TOOLS.filter((t) => !t.sizes || t.sizes.includes(ctx.size)).filter((t) => {
    const why = whyMissing(t);
    if (why) {
      ctx.log(`skip ${t.label}: ${why}`);
      data.tools[t.id] = { label: t.label, skipped: why };
    }
    return !why;
  });
  for (const t of tools) data.tools[t.id] = { label: t.label, kind: t.kind, version: t.peer ? peerVersion(t.peer) : undefined, rounds: [] };

  for (let r = 0; r < size.rounds; r++) {
    for (const tool of tools) {
      const rec = data.tools[tool.id];
      if (rec.error && !ctx.keepGoing) continue;
      const saves = tool.kind === 'restart' ? size.restart : size.hmr;
      const load = os.loadavg()[0];
      const t0 = performance.now();
      try {
        const res = await oneRound(tool, saves, r, ctx);
        rec.rounds.push({ ...res, loadavg1: load });
        ctx.log(
          `round ${r + 1}/${size.rounds} ${tool.label}: ${res.latencies.length} saves, median ${fmtMs(summarize(res.latencies).median)}` +
            `${res.torn ? `, torn ${res.torn}` : ''}${res.stale ? ', STALE' : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s: ${Object.entries(res.phases).map(([k, v]) => `${k.replace(/Ms$/, '')} ${v}`).join(', ')} ms)`,
        );
      } catch (err) {
        rec.error = String(err?.message ?? err);
        ctx.log(`round ${r + 1} ${tool.label}: FAILED ${rec.error.split('\n')[0]}`);
        ctx.detail(rec.error);
      }
    }
  }

  // Summaries.
  for (const rec of Object.values(data.tools)) {
    if (!rec.rounds?.length) continue;
    const latencies = rec.rounds.flatMap((x) => x.latencies);
    rec.summary = {
      ...summarize(latencies),
      saves: sum(rec.rounds, 'saves'),
      twoStepSaves: sum(rec.rounds, 'twoStepSaves'),
      skipped: sum(rec.rounds, 'skipped'),
      stale: rec.rounds.filter((x) => x.stale).length,
      sessions: rec.rounds.length,
      torn: sum(rec.rounds, 'torn'),
      missedDeadlines: sum(rec.rounds, 'missedDeadlines'),
      warmupMissed: sum(rec.rounds, 'warmupMissed'),
      pipeLagMinMs: Math.min(...rec.rounds.map((x) => x.pipeLagMinMs)),
    };
  }
  const hot = data.tools.hotload?.summary;
  const watch = data.tools['node-watch']?.summary;
  const rows = [];
  for (const tool of TOOLS) {
    const rec = data.tools[tool.id];
    if (!rec) continue;
    if (rec.skipped) {
      rows.push([tool.label, 'skipped', '', '', '', '', '', '', rec.skipped]);
      continue;
    }
    const s = rec.summary;
    if (!s) {
      rows.push([tool.label, 'FAILED', '', '', '', '', '', '', (rec.error ?? '').split('\n')[0].slice(0, 80)]);
      continue;
    }
    rows.push([
      tool.label + (rec.version ? ` ${rec.version}` : ''),
      fmtMs(s.median),
      fmtMs(s.p95),
      fmtMs(s.max),
      String(s.n),
      `${s.stale}/${s.sessions}`,
      `${s.torn}/${s.twoStepSaves}`,
      hot && s !== hot ? fmtRatio(s.median / hot.median) : '',
      [
        tool.note,
        s.warmupMissed ? `${s.warmupMissed} warm-up save(s) never ran` : '',
        rec.error ? `error in a round: ${rec.error.split('\n')[0].slice(0, 60)}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    ]);
  }
  const notes = [
    'median/p95/max: save returned → first run of that version (or a newer one) of the edited module, both clocks performance.timeOrigin + performance.now()',
    `stale: sessions whose final save never ran within 2 s; torn: first halves of two-step saves (valid JS) that ran / two-step saves`,
    `HMR tools: saves every 20-50 ms (open loop), 1 in 4 in two steps 5-20 ms apart, 3 saves 1 ms apart at the end of each session; restart tools: each save 20-50 ms after the previous one ran`,
    `${size.rounds} rounds, tools taking turns; each session starts 300 ms after the app's ready line with ${SIZES[ctx.size].warmup ?? 3} warm-up saves (not counted) that wait for their code; one missed for 1.5 s is noted and followed by a new save`,
  ];
  const checks = [];
  if (hot) {
    checks.push(check('hotload edit median ≤ 10 ms', hot.median <= 10, fmtMs(hot.median)));
    checks.push(check('hotload edit p95 ≤ 25 ms', hot.p95 <= 25, fmtMs(hot.p95)));
    checks.push(check('hotload zero stale', hot.stale === 0, `${hot.stale} of ${hot.sessions} sessions`));
    checks.push(check('hotload zero torn', hot.torn === 0, `${hot.torn} of ${hot.twoStepSaves} two-step saves`));
    if (watch) {
      const ratio = watch.median / hot.median;
      checks.push(check('hotload ≥ 30x faster than node --watch (median)', ratio >= 30, fmtRatio(ratio)));
    }
  }
  const numbers = Object.values(data.tools).some((t) => t.summary?.n > 0);
  const failed = ['hotload', 'node-watch', 'hotload-cli'].filter((id) => data.tools[id]?.error).map((id) => `${id}: ${data.tools[id].error.split('\n')[0]}`);
  return {
    data,
    tables: [renderTable(title, ['tool', 'median', 'p95', 'max', 'saves', 'stale', 'torn', 'vs hotload', 'notes'], rows, notes)],
    checks,
    ok: numbers && failed.length === 0,
    problems: [...(numbers ? [] : ['no numbers']), ...failed],
  };
}

async function oneRound(tool, saves, round, ctx) {
  const dir = copyApp(tool.app, `edit-${tool.id}`);
  const leaf = join(dir, 'leaf.mjs');
  writeText(leaf, leafSource(0, { header: tool.header }).full);
  const app = spawnApp(process.execPath, tool.argv('app.mjs'), { cwd: dir, name: tool.label, env: tool.env });
  try {
    await app.waitFor('@@ready', ctx.startTimeoutMs);
    await app.waitFor(/^@@hot ok 0 /, 2000);
    const res = await editSession(app, leaf, {
      saves,
      closedLoop: tool.kind === 'restart',
      header: tool.header,
      firstSeq: 1,
      warmup: SIZES[ctx.size].warmup ?? 3,
      staleWaitMs: SIZES[ctx.size].staleWaitMs ?? STALE_WAIT_MS,
      startPauseMs: SIZES[ctx.size].startPauseMs,
    });
    return res;
  } finally {
    await app.kill();
  }
}

const sum = (xs, k) => xs.reduce((a, x) => a + (x[k] ?? 0), 0);
const check = (name, ok, value) => ({ name, ok, value });
