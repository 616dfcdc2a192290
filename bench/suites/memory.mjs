// Benchmark 4: memory. One app under `node --expose-gc --import hotload` accepts big.mjs, a
// module of 10 KB or of 1 MB (half functions, half a string constant, new text every save). The
// bench saves it N times, one update at a time, and at the checkpoints the app collects garbage
// and reports process.memoryUsage(). Growth per update is the slope between the first and the
// last checkpoint, also given as a fraction of the module's size: near 0 when old versions are
// released, about 1 or more when each version is kept.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { leafSource, parseLeafLine } from "../lib/leaf.mjs";
import { spawnApp } from "../lib/proc.mjs";
import { fmtBytes, renderTable } from "../lib/table.mjs";
import { copyApp } from "../lib/tools.mjs";

export const name = "memory";
export const title = "Memory: RSS and heap after N updates (after global.gc())";

const SIZES = {
  full: { at: [1, 100, 500], bytes: [10 * 1024, 1024 * 1024], baselineBig: [1, 100] },
  quick: { at: [1, 20, 40], bytes: [10 * 1024, 1024 * 1024], fewerForBig: [1, 4, 8] },
  smoke: { at: [1, 3], bytes: [10 * 1024, 100 * 1024] },
};

/** The code and padding of a module of about `bytes` bytes, different for every `seq`. */
function body(seq, bytes) {
  const fns = [];
  let size = 0;
  for (let i = 0; size < bytes / 2; i++) {
    const line = `export function f${i}(x) { return (x * ${i + seq}) % ${(i % 89) + 7} + ${seq}; }\n`;
    fns.push(line);
    size += line.length;
  }
  const unit = `v${seq}-`;
  return { code: fns.join(""), padding: unit.repeat(Math.ceil(bytes / 2 / unit.length)).slice(0, Math.max(0, bytes - size - 300)) };
}

const MODES = [
  { id: "hotload", label: "hotload", app: "memory", argv: ["--expose-gc", "--max-old-space-size=8192", "--import", "hotload", "app.mjs"] },
  { id: "baseline", label: "node, import('?v=N')", app: "memory-baseline", argv: ["--expose-gc", "--max-old-space-size=8192", "app.mjs"] },
];

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const data = { size, runs: [] };
  const problems = [];
  const rows = [];
  for (const bytes of size.bytes)
    for (const mode of MODES) {
      let at = bytes >= 1024 * 1024 && size.fewerForBig ? size.fewerForBig : size.at;
      // The floor is only a reference: fewer updates of the big module (they take ~130 ms each).
      if (bytes >= 1024 * 1024 && mode.id === "baseline" && size.baselineBig) at = size.baselineBig;
      const rec = { mode: mode.id, bytes, at, points: [], loadavg1: os.loadavg()[0] };
      data.runs.push(rec);
      const dir = copyApp(mode.app, `memory-${mode.id}-${bytes}`);
      const file = join(dir, "big.mjs");
      const source = (seq) => leafSource(seq, body(seq, bytes)).full;
      writeFileSync(file, source(0));
      rec.actualBytes = Buffer.byteLength(source(0));
      const app = spawnApp(process.execPath, mode.argv, {
        cwd: dir,
        name: `memory ${mode.label} ${fmtBytes(bytes)}`,
        env: { BENCH_MEM_AT: at.join(",") },
      });
      const t0 = performance.now();
      try {
        const parseMem = (l) => {
          const [, label, rss, heapUsed, heapTotal, external] = l.text.split(" ");
          return {
            updates: Number(label),
            rss: Number(rss),
            heapUsed: Number(heapUsed),
            heapTotal: Number(heapTotal),
            external: Number(external),
          };
        };
        rec.points.push(parseMem(await app.waitFor(/^@@mem 0 /, ctx.startTimeoutMs)));
        await app.waitFor("@@ready", ctx.startTimeoutMs);
        const last = at[at.length - 1];
        for (let seq = 1; seq <= last; seq++) {
          const mark = app.mark();
          writeFileSync(file, source(seq));
          await app.waitFor((l) => parseLeafLine(l.text)?.seq === seq, 10_000, { since: mark });
          if (at.includes(seq)) rec.points.push(parseMem(await app.waitFor(new RegExp(`^@@mem ${seq} `), 30_000, { since: mark })));
        }
        rec.seconds = (performance.now() - t0) / 1000;
        const first = rec.points.find((p) => p.updates === at[0]);
        const end = rec.points[rec.points.length - 1];
        const n = end.updates - first.updates;
        rec.perUpdate = { heapUsed: (end.heapUsed - first.heapUsed) / n, rss: (end.rss - first.rss) / n };
        ctx.log(
          `${mode.label}, ${fmtBytes(bytes)} module: ${last} updates in ${rec.seconds.toFixed(1)} s, heap ${fmtBytes(rec.perUpdate.heapUsed)}/update`,
        );
      } catch (err) {
        rec.error = String(err?.message ?? err);
        if (mode.id === "hotload") problems.push(`${fmtBytes(bytes)}: ${rec.error.split("\n")[0]}`);
        ctx.log(`${mode.label}, ${fmtBytes(bytes)} module: FAILED ${rec.error.split("\n")[0]}`);
        ctx.detail(rec.error);
      } finally {
        await app.kill();
      }
      for (const p of rec.points) {
        rows.push([
          mode.label,
          fmtBytes(rec.actualBytes),
          String(p.updates),
          fmtBytes(p.rss),
          fmtBytes(p.heapUsed),
          fmtBytes(p.external),
          "",
          "",
        ]);
      }
      if (rec.perUpdate) {
        rows.push([
          mode.label,
          fmtBytes(rec.actualBytes),
          `per update (${rec.points[1].updates}→${rec.points[rec.points.length - 1].updates})`,
          fmtBytes(rec.perUpdate.rss),
          fmtBytes(rec.perUpdate.heapUsed),
          "",
          `${(rec.perUpdate.heapUsed / rec.actualBytes).toFixed(2)}`,
          `${(rec.perUpdate.rss / rec.actualBytes).toFixed(2)}`,
        ]);
      }
    }
  const numbers = data.runs.some((m) => m.perUpdate);
  return {
    data,
    tables: [
      renderTable(
        title,
        ["reloaded by", "module", "updates", "RSS", "heap used", "external", "heap growth / module size", "RSS growth / module size"],
        rows,
        [
          "node --expose-gc --max-old-space-size=8192, memory read after three global.gc() rounds; each save waits for the previous update to run",
          "node, import('?v=N'): no loader, the app re-imports the module under a new URL on each change — Node keeps every evaluated module, so this is the floor for ESM reloading",
          "growth per update: slope between the first and the last checkpoint",
        ],
      ),
    ],
    checks: [],
    ok: numbers && problems.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...problems],
  };
}
