#!/usr/bin/env node
// `npm run bench`: hotload's benchmarks, on this machine, side by side with its peers.
//
// Usage:
//   npm run bench                       # everything (about 20 minutes on a quiet machine)
//   npm run bench -- --quick            # smaller samples (under 1 minute)
//   npm run bench -- --smoke            # minimal sizes, checks the harness only (~20-30 s)
//   npm run bench -- edit scale         # some suites: edit, scale, startup, instructions, memory, downtime, apps
//   npm run bench -- --no-install       # never run npm install for the peers
//   npm run bench -- --package DIR      # benchmark the hotload built in DIR (its dist/), not ./dist
//
// Prints one table per benchmark and writes every raw figure, with the machine and its load
// average, to bench/results/<timestamp>.json. Figures are medians and p95 of samples taken side
// by side in the same run: absolute times on a busy machine mean little, ratios do.
//
// The peers (dynohot, hot-hook, hot-esm, lodash-es) live in bench/node_modules; without
// --smoke a missing bench/node_modules is installed first (npm install --prefix bench). dynohot
// 2.2.0 is not on the registry: it is installed from ../shared/peers/dynohot-2.2.0.tgz beside the
// repository (HOTLOAD_BENCH_SHARED=DIR to look elsewhere); without it, dynohot is skipped with a
// line that says so. With --smoke a missing peer is skipped, and the exit code is non-zero only
// when a benchmark crashes or produces no numbers.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureSupportedNode, repoRoot } from "./node-env.mjs";

const TAG = "[bench]";
const SUITES = ["edit", "scale", "startup", "instructions", "memory", "downtime", "apps"];
const log = (msg) => console.log(`${TAG} ${msg}`);
// The current dynohot (its repository's HEAD, built unmodified; see shared/peers/README.md).
const DYNOHOT_VERSION = "2.2.0";

try {
  await ensureSupportedNode({ tag: TAG, guardVar: "HOTLOAD_BENCH_REEXEC" });
} catch (err) {
  log(`cannot get a supported Node: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
process.chdir(repoRoot);
process.exitCode = await main(process.argv.slice(2));
// Children are killed in finally blocks; nothing else should hold the loop, but don't wait on it.
setTimeout(() => process.exit(), 200).unref();

async function main(argv) {
  const opts = { quick: false, smoke: false, install: true, suites: [], help: false, pkg: repoRoot };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--package" && i + 1 < argv.length) opts.pkg = path.resolve(argv[++i]);
    else if (a.startsWith("--package=")) opts.pkg = path.resolve(a.slice("--package=".length));
    else if (a === "--smoke") opts.smoke = true;
    else if (a === "--no-install") opts.install = false;
    else if (a === "--help" || a === "-h") opts.help = true;
    else if (SUITES.includes(a)) opts.suites.push(a);
    else if (a === "--") continue;
    else {
      log(`unknown argument ${a} (suites: ${SUITES.join(", ")}; flags: --quick --smoke --no-install --package DIR)`);
      return 2;
    }
  }
  if (opts.help) {
    console.log(
      readFileSync(new URL(import.meta.url), "utf8")
        .split("\n")
        .slice(1, 20)
        .map((l) => l.replace(/^\/\/ ?/, ""))
        .join("\n"),
    );
    return 0;
  }
  const size = opts.smoke ? "smoke" : opts.quick ? "quick" : "full";
  const suites = opts.suites.length ? SUITES.filter((s) => opts.suites.includes(s)) : SUITES;
  const bench = path.join(repoRoot, "bench");
  const started = performance.now();

  if (!existsSync(path.join(opts.pkg, "dist", "loader", "index.js"))) {
    log(`${path.join(path.relative(repoRoot, opts.pkg) || ".", "dist/loader/index.js")} is missing: run \`npm run build\` first`);
    return 1;
  }
  if (size !== "smoke" && opts.install) installPeers(bench);
  const dynohot = dynohotTarball();
  if (!existsSync(dynohot))
    log(
      `dynohot ${DYNOHOT_VERSION} is skipped: ${path.relative(repoRoot, dynohot)} is missing (CI puts shared/ beside the clone; HOTLOAD_BENCH_SHARED=DIR points elsewhere)`,
    );
  else if (size !== "smoke" && opts.install) installDynohot(bench, dynohot);

  const { prepareWork, peerVersion, hotloadVersion } = await import("../bench/lib/tools.mjs");
  const snapshot = prepareWork(opts.pkg);
  const peers = { ...(JSON.parse(readFileSync(path.join(bench, "package.json"), "utf8")).dependencies ?? {}), dynohot: DYNOHOT_VERSION };
  const meta = {
    date: new Date().toISOString(),
    size,
    suites,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavgStart: os.loadavg(),
    hotload: {
      version: hotloadVersion(),
      from: opts.pkg === repoRoot ? "this repository" : opts.pkg,
      commit: opts.pkg === repoRoot ? git("rev-parse", "HEAD") : undefined,
      dirty: opts.pkg === repoRoot ? git("status", "--porcelain", "--", "src", "loader").length > 0 : undefined,
      dist: snapshot,
    },
    peers: Object.fromEntries(Object.keys(peers).map((p) => [p, peerVersion(p) ?? null])),
  };
  log(
    `${size} run on Node ${process.version}, ${meta.cpus} × ${meta.cpuModel ?? "cpu"}, load average ${fmtLoad(meta.loadavgStart)}` +
      ` — peers: ${Object.entries(meta.peers)
        .map(([p, v]) => `${p} ${v ?? "missing"}`)
        .join(", ")}`,
  );
  log(
    `hotload under test: a snapshot of ${opts.pkg === repoRoot ? "" : `${opts.pkg}/`}dist/ (${snapshot.files} files, sha1 ${snapshot.sha1})` +
      (opts.pkg === repoRoot
        ? ` at ${meta.hotload.commit.slice(0, 10)}${meta.hotload.dirty ? " + uncommitted changes in src/ or loader/" : ""}`
        : ""),
  );

  const versions = [
    `hotload ${meta.hotload.version}${meta.hotload.commit ? ` (${meta.hotload.commit.slice(0, 10)}${meta.hotload.dirty ? " + changes" : ""})` : ""}`,
    `Node ${process.version.slice(1)}`,
    ...Object.entries(meta.peers).map(([p, v]) => `${p} ${v ?? "missing"}`),
  ].join(", ");
  const results = {};
  const tables = [];
  const checks = [];
  let failed = false;
  for (const name of suites) {
    const mod = await import(`../bench/suites/${name}.mjs`);
    const tag = `${TAG}[${name}]`;
    const ctx = {
      size,
      startTimeoutMs: size === "full" ? 120_000 : 60_000,
      log: (msg) => console.log(`${tag} ${msg}`),
      detail: (text) =>
        console.log(
          String(text)
            .split("\n")
            .map((l) => `${tag}   ${l}`)
            .join("\n"),
        ),
    };
    const t0 = performance.now();
    const loadBefore = os.loadavg();
    ctx.log(`${mod.title} (load average ${fmtLoad(loadBefore)})`);
    let res;
    try {
      res = await mod.run(ctx);
    } catch (err) {
      res = { ok: false, problems: [`crashed: ${err?.stack ?? err}`], tables: [], checks: [], data: null };
    }
    const seconds = (performance.now() - t0) / 1000;
    results[name] = {
      title: mod.title,
      seconds,
      loadavgBefore: loadBefore,
      loadavgAfter: os.loadavg(),
      ok: res.ok,
      problems: res.problems,
      checks: res.checks,
      data: res.data,
    };
    for (const table of res.tables) {
      // Every table says what it measured: the build of hotload, Node, each peer's version.
      const t = `${table}${table.includes("\n- ") ? "" : "\n"}\n- versions: ${versions}`;
      console.log(`\n${t}\n`);
      tables.push(t);
    }
    for (const c of res.checks ?? []) checks.push(c);
    if (!res.ok) {
      failed = true;
      ctx.log(`FAILED: ${(res.problems ?? []).join("; ")}`);
    }
    ctx.log(`done in ${seconds.toFixed(1)} s`);
  }

  meta.loadavgEnd = os.loadavg();
  meta.seconds = (performance.now() - started) / 1000;
  const resultsDir = path.join(bench, "results");
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${meta.date.replace(/[:.]/g, "-")}${size === "full" ? "" : `-${size}`}.json`);
  writeFileSync(file, JSON.stringify({ meta, tables, results }, null, 1) + "\n");

  if (checks.length) {
    console.log("\n### Targets\n");
    // A smoke run only checks that the harness works: its samples are far too small to judge a
    // target, and a MISSED line in a passing `npm test` would only alarm.
    if (size === "smoke") for (const c of checks) console.log(`- ${c.name}: ${c.value} (target not judged at smoke size)`);
    else for (const c of checks) console.log(`- ${c.ok ? "met   " : "MISSED"} ${c.name}: ${c.value}`);
    if (size === "smoke") console.log("\n(smoke run: targets are judged only by the full benchmark, npm run bench)");
    else if (size !== "full") console.log(`\n(${size} run: samples are small, targets are indicative only)`);
  }
  console.log("");
  log(`raw figures: ${path.relative(repoRoot, file)}`);
  log(
    `${failed ? "FAILED" : "done"} in ${meta.seconds.toFixed(1)} s, load average ${fmtLoad(meta.loadavgStart)} → ${fmtLoad(meta.loadavgEnd)}`,
  );
  return failed ? 1 : 0;
}

function installPeers(bench) {
  const deps = Object.keys(JSON.parse(readFileSync(path.join(bench, "package.json"), "utf8")).dependencies ?? {});
  const missing = deps.filter((d) => !existsSync(path.join(bench, "node_modules", d, "package.json")));
  if (missing.length === 0) return;
  log(`installing the peers (${missing.join(", ")} missing): npm install --prefix bench`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--prefix", bench, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: "inherit",
    cwd: repoRoot,
  });
  if (r.status !== 0) log(`npm install failed (${r.error?.message ?? `exit ${r.status}`}): the missing peers will be skipped`);
}

function dynohotTarball() {
  const shared = process.env.HOTLOAD_BENCH_SHARED ? path.resolve(process.env.HOTLOAD_BENCH_SHARED) : path.resolve(repoRoot, "..", "shared");
  return path.join(shared, "peers", `dynohot-${DYNOHOT_VERSION}.tgz`);
}

/** Installs dynohot from its tarball, after the registry peers (whose install would prune it). */
function installDynohot(bench, tarball) {
  const file = path.join(bench, "node_modules", "dynohot", "package.json");
  const installed = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : undefined;
  if (installed === DYNOHOT_VERSION) return;
  log(`installing dynohot ${DYNOHOT_VERSION} from ${path.relative(repoRoot, tarball)}${installed ? ` (found ${installed})` : ""}`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--prefix", bench, "--no-save", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
    stdio: "inherit",
    cwd: repoRoot,
  });
  if (r.status !== 0) log(`installing dynohot failed (${r.error?.message ?? `exit ${r.status}`}): it will be skipped`);
}

function git(...args) {
  const r = spawnSync("git", args, { cwd: repoRoot, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

function fmtLoad(l) {
  return l.map((x) => x.toFixed(2)).join(" ");
}
