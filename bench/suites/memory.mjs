// Benchmark 4: memory per update, against the floor of re-importing the same modules under new
// URLs with nothing of hotload (ES modules cannot be unloaded: Node keeps every module instance it
// evaluated, so the floor is not zero). Each app runs under `node --expose-gc`; at the checkpoints
// it collects garbage (three global.gc() rounds) and reports process.memoryUsage(). What a program
// holds is the heap plus `external` (V8 keeps a large module's source outside the heap when Node
// hands it over as bytes, on the heap when a loader hands it over as text). Growth per update is
// the least-squares slope of that sum over the checkpoints (the first one is taken after a warm-up,
// so start-up and the first compilations do not count), also given between each two.
//
// Scenarios, each as hotload and as its floor:
// - leaf: an accepted leaf module (apps/memory: big.mjs, ~1 KB) saved N times; the floor is
//   apps/memory-baseline, which imports `./big.mjs?v=N` on each change.
// - server: an HTTP server entry with no hot code (apps/memory-server) whose route module is saved
//   N times, with real requests between saves until the new response comes: hotload re-runs the
//   entry in place; the floor (apps/memory-server/reload.mjs, a plain resolve hook) closes the old
//   server and imports `app.mjs?v=N`, which imports `route.mjs?v=N`.
// - 1 MB: the leaf scenario with a 1 MB module (half functions, half a string constant): growth
//   per update as a fraction of the module's size shows whether old sources are kept twice.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { freePort, getBody } from "../lib/http.mjs";
import { leafSource, parseLeafLine } from "../lib/leaf.mjs";
import { sleep, spawnApp } from "../lib/proc.mjs";
import { linearFit } from "../lib/stats.mjs";
import { fmtBytes, fmtRatio, renderTable } from "../lib/table.mjs";
import { copyApp } from "../lib/tools.mjs";

export const name = "memory";
export const title = "Memory per update: heap + external after global.gc(), hotload against the plain re-import floor";

/** Checkpoints (update counts) per scenario and size. */
const SIZES = {
  full: { leaf: [100, 500, 1000, 1500, 2000], server: [100, 500, 1000, 1500, 2000], big: [5, 25, 50] },
  quick: { leaf: [50, 150, 300], server: [50, 150, 300], big: [2, 5, 8] },
  smoke: { leaf: [1, 3], server: [1, 3], big: [] },
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

/** The route module of the server scenario, version `seq` (byte lengths alternate). */
function route(seq) {
  return `export const seq = ${seq};\nexport function handle(req, res) {\n  res.end(${JSON.stringify(`route ${seq}${seq % 2 ? "" : "!"}`)});\n}\n`;
}

const GC = ["--expose-gc", "--max-old-space-size=8192"];

const SCENARIOS = [
  {
    id: "leaf",
    label: "accepted leaf",
    modes: [
      { id: "hotload", label: "hotload", app: "memory", argv: [...GC, "--import", "hotload", "app.mjs"], modules: "1 + gate" },
      { id: "floor", label: "floor: import('./big.mjs?v=N')", app: "memory-baseline", argv: [...GC, "app.mjs"], modules: "1" },
      {
        id: "floor-gate",
        label: "floor + a gate module",
        app: "memory-baseline",
        argv: [...GC, "app.mjs"],
        modules: "1 + gate",
        env: { BENCH_GATE: "1" },
      },
    ],
    bytes: 1024,
  },
  {
    id: "server",
    label: "in-place server",
    modes: [
      { id: "hotload", label: "hotload", app: "memory-server", argv: [...GC, "--import", "hotload", "app.mjs"], modules: "2 + gate" },
      {
        id: "floor",
        label: "floor: route+entry ?v=N",
        app: "memory-server",
        argv: [...GC, "--import", "./reload.mjs", "app.mjs"],
        modules: "2",
      },
      {
        id: "floor-gate",
        label: "floor + a gate module",
        app: "memory-server",
        argv: [...GC, "--import", "./reload.mjs", "app.mjs"],
        modules: "2 + gate",
        env: { BENCH_GATE: "1" },
      },
    ],
  },
  {
    id: "big",
    label: "1 MB module",
    modes: [
      { id: "hotload", label: "hotload", app: "memory", argv: [...GC, "--import", "hotload", "app.mjs"], modules: "1 + gate" },
      { id: "floor", label: "floor: import('./big.mjs?v=N')", app: "memory-baseline", argv: [...GC, "app.mjs"], modules: "1" },
    ],
    bytes: 1024 * 1024,
  },
];

function parseMem(line) {
  const [, label, rss, heapUsed, heapTotal, external] = line.text.split(" ");
  const point = {
    updates: Number(label),
    rss: Number(rss),
    heapUsed: Number(heapUsed),
    heapTotal: Number(heapTotal),
    external: Number(external),
  };
  return { ...point, held: point.heapUsed + point.external };
}

/** Saves the accepted leaf: each save waits for the new version's line. */
function leafRun(app, dir, scenario, rec) {
  const file = join(dir, "big.mjs");
  const source = (seq) => leafSource(seq, body(seq, scenario.bytes)).full;
  rec.moduleBytes = Buffer.byteLength(source(0));
  writeFileSync(file, source(0));
  return {
    async save(seq) {
      const mark = app.mark();
      writeFileSync(file, source(seq));
      await app.waitFor((l) => parseLeafLine(l.text)?.seq === seq, 10_000, { since: mark });
      return mark;
    },
  };
}

/** Saves the server's route: after each save, requests until the new response comes. */
function serverRun(app, dir, rec, port) {
  const file = join(dir, "route.mjs");
  rec.moduleBytes = Buffer.byteLength(route(0));
  return {
    async save(seq) {
      const mark = app.mark();
      writeFileSync(file, route(seq));
      const want = JSON.parse(route(seq).match(/res\.end\((".*")\)/)[1]);
      const deadline = performance.now() + 10_000;
      for (;;) {
        const res = await getBody(port, false);
        if (res.ok && res.body === want) break;
        if (performance.now() > deadline)
          throw new Error(`update ${seq}: no new response within 10 s (last: ${res.ok ? res.body : res.error})`);
        // The floor closes its server before the new version listens: connections are refused meanwhile.
        await sleep(res.ok ? 1 : 2);
      }
      rec.requests = (rec.requests ?? 0) + 1;
      return mark;
    },
  };
}

async function measure(scenario, mode, at, ctx) {
  const rec = { scenario: scenario.id, mode: mode.id, at, points: [], loadavg1: os.loadavg()[0] };
  const dir = copyApp(mode.app, `memory-${scenario.id}-${mode.id}`);
  const port = scenario.id === "server" ? await freePort() : 0;
  if (scenario.id === "server") writeFileSync(join(dir, "route.mjs"), route(0));
  const env = { BENCH_MEM_AT: [0, ...at].join(","), PORT: String(port), ...mode.env };
  const app = spawnApp(process.execPath, mode.argv, { cwd: dir, name: `memory ${scenario.label} ${mode.label}`, env });
  const t0 = performance.now();
  try {
    const driver = scenario.id === "server" ? serverRun(app, dir, rec, port) : leafRun(app, dir, scenario, rec);
    await app.waitFor("@@ready", ctx.startTimeoutMs);
    const last = at[at.length - 1];
    for (let seq = 1; seq <= last; seq++) {
      const mark = await driver.save(seq);
      if (at.includes(seq)) rec.points.push(parseMem(await app.waitFor(new RegExp(`^@@mem ${seq} `), 30_000, { since: mark })));
    }
    rec.seconds = (performance.now() - t0) / 1000;
    const xs = rec.points.map((p) => p.updates);
    rec.perUpdate = {
      held: linearFit(
        xs,
        rec.points.map((p) => p.held),
      ).slope,
      heapUsed: linearFit(
        xs,
        rec.points.map((p) => p.heapUsed),
      ).slope,
      rss: linearFit(
        xs,
        rec.points.map((p) => p.rss),
      ).slope,
    };
    rec.segments = rec.points.slice(1).map((p, i) => ({
      from: rec.points[i].updates,
      to: p.updates,
      held: (p.held - rec.points[i].held) / (p.updates - rec.points[i].updates),
    }));
    ctx.log(
      `${scenario.label}, ${mode.label}: ${last} updates in ${rec.seconds.toFixed(1)} s, heap + external ${fmtBytes(rec.perUpdate.held)}/update`,
    );
  } catch (err) {
    rec.error = String(err?.message ?? err);
    ctx.log(`${scenario.label}, ${mode.label}: FAILED ${rec.error.split("\n")[0]}`);
    ctx.detail(rec.error);
  } finally {
    await app.kill();
  }
  return rec;
}

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const data = { size, runs: [] };
  const problems = [];
  const rows = [];
  for (const scenario of SCENARIOS) {
    const at = size[scenario.id];
    if (at.length < 2) continue;
    const recs = [];
    for (const mode of scenario.modes) recs.push(await measure(scenario, mode, at, ctx));
    data.runs.push(...recs);
    const floor = recs.find((r) => r.mode === "floor")?.perUpdate?.held;
    for (const [i, rec] of recs.entries()) {
      const mode = scenario.modes[i];
      if (rec.error && mode.id === "hotload") problems.push(`${scenario.label}: ${rec.error.split("\n")[0]}`);
      const first = rec.points[0];
      const end = rec.points[rec.points.length - 1];
      const ratio = rec.perUpdate && floor ? rec.perUpdate.held / floor : undefined;
      if (mode.id !== "floor") rec.ratioToFloor = ratio;
      rows.push([
        scenario.label,
        mode.label,
        mode.modules,
        first && end ? `${first.updates}→${end.updates}` : "failed",
        first && end ? `${fmtBytes(first.held)} → ${fmtBytes(end.held)}` : "",
        rec.perUpdate ? `${(rec.perUpdate.held / 1024).toFixed(1)} KB` : "",
        rec.perUpdate ? `${(rec.perUpdate.heapUsed / 1024).toFixed(1)} KB` : "",
        rec.perUpdate ? `${(rec.perUpdate.rss / 1024).toFixed(1)} KB` : "",
        scenario.bytes >= 1024 * 1024 && rec.perUpdate ? (rec.perUpdate.held / rec.moduleBytes).toFixed(2) : "",
        mode.id !== "floor" && ratio !== undefined ? fmtRatio(ratio) : "",
      ]);
    }
  }
  const numbers = data.runs.some((r) => r.perUpdate);
  return {
    data,
    tables: [
      renderTable(
        title,
        [
          "scenario",
          "reloaded by",
          "modules kept / update",
          "updates",
          "heap + external (first → last)",
          "per update",
          "of it heap",
          "RSS / update",
          "per update / module size",
          "vs floor",
        ],
        rows,
        [
          "node --expose-gc --max-old-space-size=8192; heapUsed + external read after three global.gc() rounds; each save waits for the previous update's new code (the leaf's line, the server's new response) before the next",
          "per update: least-squares slope over the checkpoints; the first checkpoint follows a warm-up, so start-up and first compilations do not count (segment slopes in the JSON)",
          "floor: no hotload; the same modules re-imported under new URLs (`?v=N`), which Node keeps for good. hotload keeps one more tiny module per update: the gate every new version imports before it evaluates (src/engine/update/gate.ts); `floor + a gate module` imports a module of the same text per update too",
          "RSS follows the allocator, not the program; a 1 MB source is external memory under plain node, heap under a loader that hands it over as text: read the sum",
        ],
      ),
    ],
    checks: [],
    ok: numbers && problems.length === 0,
    problems: [...(numbers ? [] : ["no numbers"]), ...problems],
  };
}
