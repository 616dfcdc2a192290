// Benchmark 2: scale. The same edit as benchmark 1 (leaf.mjs, accepted by its importer) in
// generated projects of 10, 1,000 and 10,000 modules (see lib/project.mjs). Sizes take turns in
// rounds; the target compares the median at 10,000 with the median at 10.

import os from "node:os";
import { editSession, STALE_WAIT_MS } from "../lib/edits.mjs";
import { project, resetLeaf } from "../lib/project.mjs";
import { spawnApp } from "../lib/proc.mjs";
import { summarize } from "../lib/stats.mjs";
import { fmtMs, fmtRatio, renderTable } from "../lib/table.mjs";
import { peerVersion, TOOLS, whyMissing } from "../lib/tools.mjs";

export const name = "scale";
export const title = "Scale: the same edit in projects of 10, 1,000 and 10,000 modules";

const SIZES = {
  full: { modules: [10, 1000, 10000], rounds: 3, saves: 40, peers: ["dynohot"], peerRounds: 1, peerModules: [10, 1000] },
  quick: { modules: [10, 10000], rounds: 1, saves: 20, peers: [] },
  smoke: { modules: [10, 100], rounds: 1, saves: 3, peers: [], warmup: 1, staleWaitMs: 1000, startPauseMs: 100 },
};

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const tools = TOOLS.filter((t) => t.id === "hotload" || size.peers.includes(t.id));
  const data = { size, tools: {} };
  for (const t of tools) {
    const why = whyMissing(t);
    data.tools[t.id] = why
      ? { label: t.label, skipped: why }
      : { label: t.label, version: t.peer ? peerVersion(t.peer) : undefined, byModules: {} };
    if (why) ctx.log(`skip ${t.label}: ${why}`);
  }
  const projects = {};
  for (const n of size.modules) {
    const t0 = performance.now();
    projects[n] = project(n);
    if (!projects[n].reused) ctx.log(`generated ${n} modules in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (let r = 0; r < size.rounds; r++) {
    for (const n of size.modules) {
      for (const tool of tools) {
        const rec = data.tools[tool.id];
        if (rec.skipped || rec.byModules[n]?.error) continue;
        if (tool.id !== "hotload" && (r >= (size.peerRounds ?? size.rounds) || !(size.peerModules ?? size.modules).includes(n))) continue;
        const slot = (rec.byModules[n] ??= { rounds: [] });
        const p = projects[n];
        resetLeaf(p);
        const t0 = performance.now();
        const app = spawnApp(process.execPath, tool.argv("app.mjs"), { cwd: p.dir, name: `${tool.label} ${n}` });
        try {
          const ready = await app.waitFor("@@ready", ctx.startTimeoutMs);
          const startMs = Number(ready.text.split(" ")[1]) - t0 - performance.timeOrigin;
          const res = await editSession(app, p.leaf, {
            saves: size.saves,
            warmup: size.warmup ?? 3,
            staleWaitMs: size.staleWaitMs ?? STALE_WAIT_MS,
            startPauseMs: size.startPauseMs,
          });
          slot.rounds.push({ ...res, startMs, loadavg1: os.loadavg()[0] });
          ctx.log(
            `round ${r + 1}/${size.rounds} ${tool.label} ${n} modules: median ${fmtMs(summarize(res.latencies).median)}` +
              `${res.stale ? ", STALE" : ""} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
          );
        } catch (err) {
          slot.error = String(err?.message ?? err);
          ctx.log(`${tool.label} ${n} modules: FAILED ${slot.error.split("\n")[0]}`);
          ctx.detail(slot.error);
        } finally {
          await app.kill();
          resetLeaf(p);
        }
      }
    }
  }
  const rows = [];
  const checks = [];
  let numbers = false;
  for (const tool of tools) {
    const rec = data.tools[tool.id];
    if (rec.skipped) {
      rows.push([tool.label, "skipped", "", "", "", "", rec.skipped]);
      continue;
    }
    const small = size.modules[0];
    for (const n of size.modules) {
      const slot = rec.byModules[n];
      if (!slot) {
        rows.push([
          tool.label,
          n.toLocaleString("en-US"),
          "not run",
          "",
          "",
          "",
          n >= 10000 ? "its start-up alone takes ~30 s here (see the start-up table)" : "",
        ]);
        continue;
      }
      if (!slot.rounds.length) {
        rows.push([`${tool.label}`, n.toLocaleString("en-US"), "FAILED", "", "", "", (slot?.error ?? "").split("\n")[0].slice(0, 80)]);
        continue;
      }
      numbers = true;
      slot.summary = { ...summarize(slot.rounds.flatMap((x) => x.latencies)), stale: slot.rounds.filter((x) => x.stale).length };
      const base = rec.byModules[small]?.summary;
      rows.push([
        tool.label + (rec.version ? ` ${rec.version}` : ""),
        n.toLocaleString("en-US"),
        fmtMs(slot.summary.median),
        fmtMs(slot.summary.p95),
        String(slot.summary.n),
        base && n !== small ? fmtRatio(slot.summary.median / base.median) : "",
        slot.summary.stale ? `stale ${slot.summary.stale}` : "",
      ]);
    }
    const big = rec.byModules[10000]?.summary;
    const base = rec.byModules[10]?.summary;
    if (tool.id === "hotload" && big && base) {
      const ratio = big.median / base.median;
      checks.push({
        name: "update at 10,000 modules ≤ 1.5x update at 10",
        ok: ratio <= 1.5,
        value: `${fmtRatio(ratio)} (${fmtMs(base.median)} → ${fmtMs(big.median)})`,
      });
    }
  }
  const failed = Object.entries(data.tools.hotload?.byModules ?? {}).filter(([, s]) => s.error);
  return {
    data,
    tables: [
      renderTable(title, ["tool", "modules", "median", "p95", "saves", "vs smallest", "notes"], rows, [
        "save returned → new leaf version running; leaf accepted by its importer, which the deepest module of a fan-out-10 tree imports",
        `${size.rounds} round(s) of ${size.saves} saves per size${size.peerRounds ? ` (peers: ${size.peerRounds})` : ""}, sizes taking turns; same save pattern as the edit benchmark`,
      ]),
    ],
    checks,
    ok: numbers && failed.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...failed.map(([n, s]) => `hotload ${n}: ${s.error.split("\n")[0]}`)],
  };
}
