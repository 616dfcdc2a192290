// Benchmark: start-up in instructions. Wall time on these machines is too noisy to judge a few
// percent; an instruction count under valgrind (cachegrind, no cache simulation) is repeatable to
// about 1-2 % whatever else the machine does. Each run counts every instruction of every thread of
// `node [--import X] count.mjs` from exec until the entry's last line, which calls process.exit():
// the start-up path, and whatever timers of the tool fire during it under valgrind's slowdown.
//
// Compared against the floor (no-op registerHooks) and the bare job (hooks that record only the
// import graph and the bytes Node was given, bench/apps/bare-job): what any hot-reloading loader
// must do. The peers run in the same table when installed.
//
// Every start gets the same hash seed (--hash-seed): V8 derives its string hashing secret from a
// random seed at each start, and how long that takes varies by up to 15 M instructions (an empty
// program counted 87-101 M), more than the differences measured here. With one seed, three counts
// of the same start agree to 0.5 M. hotload's code cache is written under the same flag (V8 takes
// a cache only under the flags it was made with).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { project } from "../lib/project.mjs";
import { summarize } from "../lib/stats.mjs";
import { fmtRatio, renderTable } from "../lib/table.mjs";
import { APPS, hotloadVersion, peerVersion, PKG, TOOLS, whyMissing, WORK } from "../lib/tools.mjs";
import { warmCodeCache } from "./startup.mjs";

export const name = "instructions";
export const title = "Start-up in instructions (cachegrind): the no-op hooks floor, the bare job, hotload, the peers";

const SIZES = {
  full: { apps: ["empty", 1000, 10000], runs: 3, slowRuns: { empty: 1, 1000: 1, 10000: 0 }, big: { 10000: 1 } },
  quick: {
    apps: ["empty", 1000],
    runs: 1,
    slowRuns: { empty: 1, 1000: 1 },
    big: {},
    note: "--quick: one run each, no 10,000-module project",
  },
  smoke: {
    apps: ["empty"],
    runs: 1,
    slowRuns: {},
    big: {},
    modes: ["floor", "hotload"],
    note: "smoke: the empty program, floor and hotload only",
  },
};

/** The same hash seed for every start (see above). */
const SEED = ["--hash-seed=1"];
const importOf = (file) => ["--import", pathToFileURL(join(APPS, file)).href];
const MODES = [
  { id: "floor", label: "node + no-op registerHooks (floor)", argv: () => importOf("hooks-floor/register.mjs") },
  { id: "bare", label: "the bare job (graph + bytes)", argv: () => importOf("bare-job/register.mjs") },
  { id: "hotload", label: "hotload", version: () => hotloadVersion(), argv: () => ["--import", "hotload"] },
  // The floor and the bare job are imported by file URL: this row is hotload without the look-up of a package.
  {
    id: "hotload-url",
    label: "hotload by its file URL",
    version: () => hotloadVersion(),
    argv: () => ["--import", pathToFileURL(join(PKG, "dist", "loader", "index.js")).href],
  },
  { id: "hot-esm", label: "hot-esm", peer: "hot-esm", slow: true, argv: () => ["--no-warnings", "--experimental-loader", "hot-esm"] },
  { id: "hot-hook", label: "hot-hook", peer: "hot-hook", slow: true, argv: () => ["--import", "hot-hook/register"] },
  { id: "dynohot", label: "dynohot", peer: "dynohot", slow: true, argv: () => ["--import", "dynohot"] },
];

/** Targets of issue 25, as ratios of hotload's count to the floor's. */
const TARGETS = { empty: 1.08, 1000: 1.05, 10000: 1.05 };

export async function run(ctx) {
  const size = SIZES[ctx.size];
  const valgrind = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  if (valgrind.status !== 0) {
    const why = "valgrind is not installed (apt-get install valgrind)";
    ctx.log(`skip: ${why}`);
    return { data: { skipped: why }, tables: [], checks: [], ok: true, problems: [] };
  }
  const modes = MODES.filter((m) => {
    if (size.modes && !size.modes.includes(m.id)) return false;
    const why = m.peer ? whyMissing(TOOLS.find((t) => t.id === m.peer)) : undefined;
    if (why) ctx.log(`skip ${m.label}: ${why}`);
    return !why;
  });
  const apps = size.apps.map(appFor);
  // hotload's code cache is written 1.5 s into a start that found none: one normal start first.
  const warm = project(100);
  const codeCache = await warmCodeCache(warm.dir, ctx, SEED);

  const data = { valgrind: valgrind.stdout.trim(), codeCache, apps: {} };
  const rows = [];
  const checks = [];
  const problems = [];
  const failures = [];
  for (const app of apps) {
    const rec = (data.apps[app.id] = { label: app.label, modes: {} });
    for (const mode of modes) {
      const runs = mode.slow ? (size.slowRuns[app.id] ?? 0) : (size.big[app.id] ?? size.runs);
      const slot = (rec.modes[mode.id] = { counts: [] });
      for (let i = 0; i < runs && !slot.error; i++) {
        try {
          slot.counts.push(await count(app, mode));
        } catch (err) {
          slot.error = String(err?.message ?? err).split("\n")[0];
          ctx.log(`${app.label} ${mode.label}: FAILED ${slot.error}`);
        }
      }
      if (slot.counts.length)
        ctx.log(`${app.label} ${mode.label}: ${slot.counts.map((c) => (c / 1e6).toFixed(1)).join(", ")} M instructions`);
    }
    const floor = summarize(rec.modes.floor?.counts ?? []).median;
    const bare = summarize(rec.modes.bare?.counts ?? []).median;
    for (const mode of modes) {
      const slot = rec.modes[mode.id];
      const s = summarize(slot.counts);
      if (slot.error && !mode.peer) problems.push(`${app.label} ${mode.label}: ${slot.error}`);
      if (slot.error) failures.push(`${mode.label} failed on ${app.label}: ${slot.error.slice(0, 200)}`);
      rows.push([
        app.label,
        mode.label + (mode.version?.() ? ` ${mode.version()}` : mode.peer && peerVersion(mode.peer) ? ` ${peerVersion(mode.peer)}` : ""),
        s.n ? `${(s.median / 1e6).toFixed(1)} M` : slot.error ? "FAILED" : "not run",
        String(s.n),
        s.n && mode.id !== "floor" && floor ? fmtRatio(s.median / floor) : "",
        s.n && mode.id !== "floor" && floor ? `${((s.median - floor) / 1e6).toFixed(1)} M` : "",
        s.n && !["floor", "bare"].includes(mode.id) && bare && floor ? fmtRatio((s.median - floor) / (bare - floor)) : "",
      ]);
    }
    const h = summarize(rec.modes.hotload?.counts ?? []).median;
    if (h && floor && TARGETS[app.id]) {
      checks.push({
        name: `start-up instructions under hotload ≤ ${TARGETS[app.id]}x the no-op hooks floor: ${app.label}`,
        ok: h / floor <= TARGETS[app.id],
        value: `${fmtRatio(h / floor)} (${(floor / 1e6).toFixed(1)} M → ${(h / 1e6).toFixed(1)} M; the bare job ${bare ? fmtRatio(bare / floor) : "not run"})`,
      });
    }
  }
  return {
    data,
    tables: [
      renderTable(title, ["app", "runs under", "instructions", "runs", "vs floor", "over floor", "overhead vs the bare job's"], rows, [
        "every instruction of every thread (valgrind --tool=cachegrind --cache-sim=no) from exec until the entry calls process.exit() at the end of its top level; median of the runs; node --hash-seed=1 for all (V8's random hash seed alone moves a count by up to 15 M)",
        "floor: node with resolve and load hooks that only call next(); the bare job: hooks that also record the import graph and the bytes Node was given (bench/apps/bare-job); both imported by file URL, hotload as users import it (`--import hotload`, a package look-up) and by file URL",
        "overhead vs the bare job's: (tool - floor) / (bare job - floor): how many times the unavoidable work the tool spends on top of the floor",
        `hotload's code cache of its own start-up code: ${codeCache} before the counted starts; timers that fire during the slowed-down start count against the tool`,
        ...failures,
        ...(size.note ? [size.note] : []),
      ]),
    ],
    checks,
    ok: problems.length === 0,
    problems,
  };
}

/** An app whose entry imports everything and then exits: `empty`, or a generated project of n modules. */
function appFor(id) {
  if (id === "empty") {
    const dir = join(WORK, "instructions-empty");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module", "hotHook": {} }\n');
    writeFileSync(join(dir, "count.mjs"), "process.exit(0);\n");
    return { id, label: "an empty program", dir };
  }
  const p = project(id);
  const entry = join(p.dir, "count.mjs");
  if (!existsSync(entry))
    writeFileSync(
      entry,
      `import { value } from './src/0/m0.mjs';\nif (value === undefined) throw new Error('no value');\nprocess.exit(0);\n`,
    );
  return { id, label: `${id.toLocaleString("en-US")} project modules`, dir: p.dir };
}

/** Instructions of one start of `mode` on `app`. */
function count(app, mode) {
  const env = { ...process.env, NO_COLOR: "1" };
  for (const k of Object.keys(env)) if (/^(HOTLOAD_|HOT_HOOK_|HOT_INCLUDE|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/.test(k)) delete env[k];
  const args = [
    "--tool=cachegrind",
    "--cache-sim=no",
    "--cachegrind-out-file=/dev/null",
    process.execPath,
    ...SEED,
    ...mode.argv(),
    "count.mjs",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("valgrind", args, { cwd: app.dir, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20 * 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const m = /I\s+refs:\s+([\d,]+)/.exec(err);
      const said = err.split("\n").filter((l) => l && !/^(==|--)\d+/.test(l) && !/^\s+at /.test(l));
      if (code === 0 && m) resolve(Number(m[1].replaceAll(",", "")));
      else reject(new Error(`exit ${code}: ${said.find((l) => /Error/.test(l)) ?? said.slice(-3).join(" | ")}`));
    });
  });
}
