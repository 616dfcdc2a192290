// Benchmark 1: edit to new code. One app per tool (bench/apps/<tool>/): app.mjs imports leaf.mjs
// and is its accept boundary (or, for the restart tools, nothing accepts it). The bench saves
// leaf.mjs and measures the time from the save returning to the new version's top-level code
// running, two ways:
//   - closed loop (every tool): one save, wait for its code to run, 30 ms, the next save; saves
//     rotate through single-write, truncate-then-write and rename (lib/closed-loop.mjs). Each
//     tool's own latency, with missed saves and torn ones (the empty file ran) by kind;
//   - open loop (the HMR tools): saves every 20-50 ms whatever happens, some in two steps, a burst
//     of three at the end (lib/edits.mjs): how a tool copes with bursts (stale sessions).
// Tools take turns, one round each at a time, so that a change in the machine's load hits all.

import { join } from "node:path";
import os from "node:os";
import { closedLoopSession, SAVE_KINDS } from "../lib/closed-loop.mjs";
import { editSession, STALE_WAIT_MS } from "../lib/edits.mjs";
import { leafSource } from "../lib/leaf.mjs";
import { spawnApp } from "../lib/proc.mjs";
import { quantile, summarize } from "../lib/stats.mjs";
import { fmtMs, fmtRatio, renderTable } from "../lib/table.mjs";
import { copyApp, labelWithVersion, TOOLS, toolVersion, whyMissing, writeText } from "../lib/tools.mjs";

export const name = "edit";
export const title = "Edit to new code (single-file edit, one accept boundary)";
const CLOSED = "Save → new code, closed loop (one save at a time)";
const OPEN = "Save → new code, open loop (saves every 20-50 ms, bursts)";

const SIZES = {
  // rounds; closed loop: saves per round for hotload, the other HMR tools, the restart tools;
  // open loop: saves per round for the HMR tools.
  full: { rounds: 4, closedHot: 130, closedPeer: 25, restart: 10, hmr: 50 },
  quick: { rounds: 1, closedHot: 60, closedPeer: 10, restart: 3, hmr: 20 },
  smoke: { rounds: 1, closedHot: 6, closedPeer: 3, restart: 1, hmr: 4, warmup: 1, staleWaitMs: 1000, startPauseMs: 100 },
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
  for (const t of tools) data.tools[t.id] = { label: labelWithVersion(t), kind: t.kind, version: toolVersion(t), closed: [], open: [] };

  for (let r = 0; r < size.rounds; r++) {
    for (const tool of tools) {
      const rec = data.tools[tool.id];
      // The settle-time variant only matters for two-step saves (open loop).
      if (!tool.env)
        await measure(ctx, rec, "closed", r, () =>
          closedRound(tool, tool.id === "hotload" ? size.closedHot : tool.kind === "restart" ? size.restart : size.closedPeer, ctx),
        );
      if (tool.kind === "hmr") await measure(ctx, rec, "open", r, () => openRound(tool, size.hmr, ctx));
    }
  }

  for (const rec of Object.values(data.tools)) {
    if (rec.closed?.length) {
      const latencies = rec.closed.flatMap((x) => x.latencies);
      rec.closedSummary = {
        ...summarize(latencies),
        p99: quantile(latencies, 0.99),
        saves: sum(rec.closed, "saves"),
        missed: sum(rec.closed, "missed"),
        lost: rec.closed.filter((x) => x.lost).length,
        sessions: rec.closed.length,
        torn: Object.fromEntries(SAVE_KINDS.map((k) => [k, rec.closed.reduce((a, x) => a + (x.torn[k] ?? 0), 0)])),
        kindSaves: Object.fromEntries(SAVE_KINDS.map((k) => [k, rec.closed.reduce((a, x) => a + (x.byKind[k]?.saves ?? 0), 0)])),
        kindMedian: Object.fromEntries(
          SAVE_KINDS.map((k) => [k, summarize(rec.closed.flatMap((x) => x.byKind[k]?.latencies ?? [])).median]),
        ),
      };
    }
    if (rec.open?.length) {
      rec.openSummary = {
        ...summarize(rec.open.flatMap((x) => x.latencies)),
        saves: sum(rec.open, "saves"),
        twoStepSaves: sum(rec.open, "twoStepSaves"),
        skipped: sum(rec.open, "skipped"),
        stale: rec.open.filter((x) => x.stale).length,
        sessions: rec.open.length,
        torn: sum(rec.open, "torn"),
        empty: sum(rec.open, "empty"),
        warmupMissed: sum(rec.open, "warmupMissed"),
      };
    }
  }

  const hotC = data.tools.hotload?.closedSummary;
  const hotO = data.tools.hotload?.openSummary;
  const closedRows = [];
  const openRows = [];
  for (const tool of TOOLS) {
    const rec = data.tools[tool.id];
    if (!rec) continue;
    const label = rec.label;
    if (rec.skipped) {
      closedRows.push([label, "skipped", "", "", "", "", "", "", "", rec.skipped]);
      if (tool.kind === "hmr") openRows.push([label, "skipped", "", "", "", "", "", "", "", rec.skipped]);
      continue;
    }
    const c = rec.closedSummary;
    if (!tool.env) {
      if (!c) closedRows.push([label, "FAILED", "", "", "", "", "", "", "", (rec.closedError ?? "").split("\n")[0].slice(0, 80)]);
      else
        closedRows.push([
          label,
          fmtMs(c.median),
          fmtMs(c.p95),
          fmtMs(c.p99),
          fmtMs(c.max),
          String(c.saves),
          `${c.missed}${c.lost ? ` (${c.lost} of ${c.sessions} sessions stopped applying)` : ""}`,
          SAVE_KINDS.map((k) => `${c.torn[k]}/${c.kindSaves[k]}`).join(" · "),
          hotC && c !== hotC ? fmtRatio(c.median / hotC.median) : "",
          [
            tool.note?.replace(/; closed-loop saves$/, ""),
            rec.closedError ? `error in a round: ${rec.closedError.split("\n")[0].slice(0, 60)}` : "",
          ]
            .filter(Boolean)
            .join("; "),
        ]);
    }
    if (tool.kind !== "hmr") continue;
    const o = rec.openSummary;
    if (!o) {
      openRows.push([label, "FAILED", "", "", "", "", "", "", "", (rec.openError ?? "").split("\n")[0].slice(0, 80)]);
      continue;
    }
    openRows.push([
      label,
      fmtMs(o.median),
      fmtMs(o.p95),
      fmtMs(o.max),
      String(o.n),
      `${o.stale}/${o.sessions}`,
      `${o.torn}/${o.twoStepSaves}`,
      String(o.empty),
      hotO && o !== hotO ? fmtRatio(o.median / hotO.median) : "",
      [
        tool.note,
        o.warmupMissed ? `${o.warmupMissed} warm-up save(s) never ran` : "",
        rec.openError ? `error in a round: ${rec.openError.split("\n")[0].slice(0, 60)}` : "",
      ]
        .filter(Boolean)
        .join("; "),
    ]);
  }
  const closedNotes = [
    "save returned → first run of that version of the edited module, both clocks performance.timeOrigin + performance.now(); the next save 30 ms after it ran",
    `saves rotate: single write() · truncate, then write 1-5 ms later · write a temporary file and rename it over; torn: the empty file (or a part) ran, per kind`,
    `missed: saves whose code did not run within 2 s (5 s for restarts); after 3 in a row a session stops and its remaining saves count as missed`,
    `${size.rounds} rounds, tools taking turns; each session starts 300 ms after the app's ready line with ${size.warmup ?? 3} warm-up saves (not counted)`,
  ];
  const openNotes = [
    "median/p95/max: save returned → first run of that version (or a newer one) of the edited module",
    "saves every 20-50 ms whatever happens, 1 in 4 in two steps 5-20 ms apart (the first part is valid JavaScript that prints a torn marker), 3 saves 1 ms apart at the end of each session",
    `stale: sessions whose final save never ran within 2 s; torn: first halves of two-step saves that ran / two-step saves; empty: truncated files that ran`,
    `${size.rounds} rounds, tools taking turns; one missed warm-up save (1.5 s) is noted and followed by a new save`,
  ];
  const checks = [];
  if (hotC) {
    checks.push(check("hotload closed-loop p50 ≤ 3 ms", hotC.median <= 3, `${fmtMs(hotC.median)} over ${hotC.n} saves`));
    checks.push(check("hotload closed-loop p99 ≤ 15 ms", hotC.p99 <= 15, fmtMs(hotC.p99)));
    checks.push(check("hotload closed-loop 0 missed", hotC.missed === 0, `${hotC.missed} of ${hotC.saves}`));
    const torn = SAVE_KINDS.reduce((a, k) => a + hotC.torn[k], 0);
    checks.push(
      check(
        "hotload 0 torn (single write, truncate then write, rename)",
        torn === 0,
        SAVE_KINDS.map((k) => `${k} ${hotC.torn[k]}/${hotC.kindSaves[k]}`).join(", "),
      ),
    );
  }
  if (hotO) {
    checks.push(check("hotload open-loop zero stale", hotO.stale === 0, `${hotO.stale} of ${hotO.sessions} sessions`));
    checks.push(check("hotload open-loop zero empty files run", hotO.empty === 0, String(hotO.empty)));
  }
  const numbers = Object.values(data.tools).some((t) => t.closedSummary?.n > 0 || t.openSummary?.n > 0);
  const failed = ["hotload", "node-watch", "hotload-cli"].flatMap((id) =>
    ["closedError", "openError"].filter((k) => data.tools[id]?.[k]).map((k) => `${id}: ${data.tools[id][k].split("\n")[0]}`),
  );
  return {
    data,
    tables: [
      renderTable(
        CLOSED,
        ["tool", "p50", "p95", "p99", "max", "saves", "missed", "torn: write · truncate · rename", "vs hotload", "notes"],
        closedRows,
        closedNotes,
      ),
      renderTable(OPEN, ["tool", "median", "p95", "max", "saves", "stale", "torn", "empty", "vs hotload", "notes"], openRows, openNotes),
    ],
    checks,
    ok: numbers && failed.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...failed],
  };
}

async function measure(ctx, rec, loop, r, fn) {
  const errorKey = `${loop}Error`;
  if (rec[errorKey]) return;
  const load = os.loadavg()[0];
  const t0 = performance.now();
  try {
    const res = await fn();
    rec[loop].push({ ...res, loadavg1: load });
    const torn = loop === "closed" ? Object.values(res.torn).reduce((a, b) => a + b, 0) : res.torn + res.empty;
    ctx.log(
      `round ${r + 1} ${loop} ${rec.label}: ${res.latencies.length} saves, median ${fmtMs(summarize(res.latencies).median)}` +
        `${torn ? `, torn ${torn}` : ""}${res.missed ? `, missed ${res.missed}` : ""}${res.stale ? ", STALE" : ""} (${((performance.now() - t0) / 1000).toFixed(1)} s, load ${load.toFixed(2)})`,
    );
    if (res.tail && (res.missed || res.stale)) ctx.detail(res.tail);
  } catch (err) {
    rec[errorKey] = String(err?.message ?? err);
    ctx.log(`round ${r + 1} ${loop} ${rec.label}: FAILED ${rec[errorKey].split("\n")[0]}`);
    ctx.detail(rec[errorKey]);
  }
}

async function start(tool, loop, ctx) {
  const dir = copyApp(tool.app, `edit-${loop}-${tool.id}`);
  const leaf = join(dir, "leaf.mjs");
  writeText(leaf, leafSource(0, { header: tool.header }).full);
  const app = spawnApp(process.execPath, tool.argv("app.mjs"), { cwd: dir, name: tool.label, env: tool.env });
  try {
    await app.waitFor("@@ready", ctx.startTimeoutMs);
    await app.waitFor(/^@@hot ok 0 /, 2000);
  } catch (err) {
    await app.kill();
    throw err;
  }
  return { app, leaf };
}

async function closedRound(tool, saves, ctx) {
  const { app, leaf } = await start(tool, "closed", ctx);
  try {
    return await closedLoopSession(app, leaf, {
      saves,
      header: tool.header,
      warmup: SIZES[ctx.size].warmup ?? 3,
      deadlineMs: tool.kind === "restart" ? 5000 : 2000,
      startPauseMs: SIZES[ctx.size].startPauseMs,
    });
  } finally {
    await app.kill();
  }
}

async function openRound(tool, saves, ctx) {
  const { app, leaf } = await start(tool, "open", ctx);
  try {
    return await editSession(app, leaf, {
      saves,
      header: tool.header,
      firstSeq: 1,
      warmup: SIZES[ctx.size].warmup ?? 3,
      staleWaitMs: SIZES[ctx.size].staleWaitMs ?? STALE_WAIT_MS,
      startPauseMs: SIZES[ctx.size].startPauseMs,
    });
  } finally {
    await app.kill();
  }
}

const sum = (xs, k) => xs.reduce((a, x) => a + (x[k] ?? 0), 0);
const check = (name, ok, value) => ({ name, ok, value });
