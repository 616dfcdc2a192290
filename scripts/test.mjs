#!/usr/bin/env node
// `npm test`: builds hotload with tsc and runs its test suites with Node's test
// runner on a supported Node. Locally: the unit and e2e suites (about a minute on 2 cores). With
// CI=true (as .ci/run sets it): also the stress suite (torture, fuzz, frameworks under load) and
// the benchmark smoke test.
//
// Usage:
//   npm test                                     # unit and e2e (with CI=true: everything)
//   npm test -- dist/test/e2e/core.test.js       # some files (dist/*.js, test/*.ts or folders)
//   npm test -- test/e2e                         # every *.test in a folder
//   npm test -- --test-name-pattern='reload'     # any `node --test` option passes through
//   npm test -- reload                           # a bare word is a --test-name-pattern
//   HOTLOAD_TEST_NODE=22 npm test                # force a Node major (22, 24, 26, ...)
//   npm run test:unit (test:e2e, test:stress)    # one suite: --suite=unit (e2e, stress)
//   CI=true npm test                             # everything, as CI runs it (with the format check)
// Own options: --no-build (skip the build), --no-bench (skip the bench smoke test of a CI run),
// --no-format (skip the format check of a CI run),
// --suite=<unit|e2e|stress> (only that suite of dist/test; repeatable).
//
// Runs on any Node from 20 on: when the running Node is outside package.json's
// engines.node (or HOTLOAD_TEST_NODE asks for another major), it
// installs node-<os>-<cpu>@<major> from the npm registry into .cache/node/<major>
// and re-runs itself with it (see scripts/node-env.mjs).

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "./build.mjs";
import { ensureSupportedNode, repoRoot, runForwarding, displayPath } from "./node-env.mjs";

const TAG = "[test]";
const SUITES = ["unit", "e2e", "stress"];
/**
 * What a plain `npm test` runs. The stress suite (seconds to minutes a file: it loads the machine
 * on purpose, or measures latency under load) and the bench smoke test run in CI, where every
 * change is checked anyway; `npm run test:stress` runs the suite by hand.
 */
const CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const DEFAULT_SUITES = CI ? SUITES : ["unit", "e2e"];
const TEST_TIMEOUT_MS = 120_000;
/** Where the last runs' durations of each test file are kept (ms, by absolute path; git-ignored). */
const DURATIONS = path.join(repoRoot, ".cache", "test-durations.json");
// End-to-end test files mostly wait on the programs they run: two at a time kept 0.7 of 2 cores
// busy, and the suite took 51 s; three at a time, 44 s (four, 40 s: less margin for the tests that
// time things). One more than the cores.
const CONCURRENCY = os.availableParallelism() + 1;

// `node --test` options that take their value as the next argument.
const VALUE_FLAGS = new Set([
  "--test-name-pattern",
  "--test-skip-pattern",
  "--test-reporter",
  "--test-reporter-destination",
  "--test-concurrency",
  "--test-timeout",
  "--test-shard",
  "--test-isolation",
  "--test-global-setup",
  "--test-coverage-include",
  "--test-coverage-exclude",
  "--test-coverage-branches",
  "--test-coverage-functions",
  "--test-coverage-lines",
  "--import",
  "--require",
  "-r",
  "--conditions",
  "-C",
]);

const log = (msg) => console.log(`${TAG} ${msg}`);

try {
  await ensureSupportedNode({ tag: TAG, guardVar: "HOTLOAD_TEST_REEXEC" });
} catch (err) {
  log(`cannot get a supported Node: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
process.chdir(repoRoot);
process.exit(await main(process.argv.slice(2)));

async function main(argv) {
  const started = Date.now();
  const opts = parseArgs(argv);
  if (opts.error) {
    log(opts.error);
    return 2;
  }
  log(`running on Node ${process.version.replace(/^v/, "")} (${displayPath(process.execPath)})`);

  // 1. Build into a clean dist/. Type errors fail the run, but tsc still emits, so the tests run anyway.
  let buildOk = true;
  if (opts.build) {
    const t0 = Date.now();
    log("build: dist/ removed, tsc -p tsconfig.json, then scripts/bundle.mjs (scripts/build.mjs)");
    const problem = await build();
    buildOk = problem === undefined;
    if (!buildOk && !fs.existsSync(path.join(repoRoot, "dist"))) {
      log(`build: FAILED - ${problem}`);
      return 1;
    }
    log(buildOk ? `build: ok (${secs(t0)})` : `build: FAILED - ${problem}; running the tests on what it emitted, but npm test will fail`);
  } else {
    log("build: skipped (--no-build)");
  }

  // 2. Tests.
  const files = opts.files.length ? resolveSelection(opts.files) : defaultTestFiles(opts.suites.length ? opts.suites : DEFAULT_SUITES);
  if (files.error) {
    log(files.error);
    return 1;
  }
  if (files.list.length === 0) {
    log(
      opts.files.length
        ? "no test files match the selection"
        : `no test files found under ${(opts.suites.length ? opts.suites : DEFAULT_SUITES).map((s) => `dist/test/${s}`).join(", ")} - nothing to run`,
    );
    return 1;
  }

  // The stress suite loads the machine by design, and its framework tests check a latency bound
  // per edit: it runs after the rest, one file at a time, so they never share the two cores.
  const isStress = (file) => file.split(path.sep).includes("stress");
  // Stress files that time nothing and mostly wait (on npm installs, on the programs they compare
  // with plain node): the restart oracle and the tsx and preloaded-hooks matrices. They run several
  // at a time after the others, which keeps CI's run on three Node majors within its budget.
  const waits = (file) => /^(oracle-.*|tsx-matrix|preloaded-matrix)\.test\.js$/.test(path.basename(file));
  // A torture file runs one seed after another (CI gives three in HOTLOAD_STRESS_SEED): its file
  // gets the timeout once per seed.
  const seeds = Math.max(1, (process.env.HOTLOAD_STRESS_SEED ?? "").split(",").filter((s) => s.trim() !== "").length);
  // Unit tests start no process and leave no global state behind: they share one process
  // (--test-isolation=none), which saves a Node start-up per file (the suite takes 4 s instead of
  // 9.5 at load 8 on 2 cores).
  const isUnit = (file) => file.split(path.sep).includes("unit");
  // Several at a time, the longest files (as the last run timed them) start first: the run does
  // not end on one long file started last.
  const took = readDurations();
  const longestFirst = (list) => [...list].sort((a, b) => (took[path.resolve(b)] ?? Infinity) - (took[path.resolve(a)] ?? Infinity));
  const passes = [
    { files: files.list.filter(isUnit), concurrency: 1, timeout: TEST_TIMEOUT_MS, shared: true },
    { files: longestFirst(files.list.filter((f) => !isStress(f) && !isUnit(f))), concurrency: CONCURRENCY, timeout: TEST_TIMEOUT_MS },
    { files: files.list.filter((f) => isStress(f) && !waits(f)), concurrency: 1, timeout: TEST_TIMEOUT_MS * seeds },
    // A file runs as one test of its own, with the same timeout as any: a matrix file installs
    // its pinned versions one after another (the preloaded hooks took 130 s on Node 22 at load 8).
    { files: longestFirst(files.list.filter((f) => isStress(f) && waits(f))), concurrency: CONCURRENCY, timeout: TEST_TIMEOUT_MS * 5 },
  ].filter((pass) => pass.files.length > 0);
  const what = opts.files.length || opts.nodeArgs.length ? "selected" : files.suites.join(", ");
  log(`tests (${what}): ${files.list.length} file(s) on Node ${process.version.replace(/^v/, "")}`);
  if (!CI && !opts.files.length && !opts.suites.length) log("stress suite: CI only (CI=true npm test runs it; npm run test:stress alone)");
  const t1 = Date.now();
  let testCode = 0;
  // Every failed test, written by scripts/failures-reporter.mjs beside the spec reporter's output.
  const failuresFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hotload-test-")), "failures.jsonl");
  // The programs the tests run keep hotload's code cache (loader/code-cache.ts) here, not in the
  // user's own cache folder: each run starts from none, as from a fresh install.
  process.env.XDG_CACHE_HOME = path.join(path.dirname(failuresFile), "cache");
  // The format check (CI runs only) runs beside the tests after the unit suite: it keeps one
  // core busy for 8 to 13 s, and the e2e files mostly wait.
  const checkFormat = CI && opts.format && !opts.files.length && !opts.nodeArgs.length;
  let format;
  for (const pass of passes) {
    if (checkFormat && !pass.shared) format ??= formatCheck();
    // Node's experimental APIs the tests call in process (module.stripTypeScriptTypes, type
    // stripping on Node 22) print an ExperimentalWarning: noise in a passing run. The children
    // the tests spawn do not inherit this flag, so their warnings stay visible to the tests.
    const testArgs = [
      "--disable-warning=ExperimentalWarning",
      "--test",
      `--test-concurrency=${pass.concurrency}`,
      `--test-timeout=${pass.timeout}`,
    ];
    if (pass.shared && !opts.nodeArgs.some((a) => /^--(experimental-)?test-isolation/.test(a))) {
      // Node 22 has it as --experimental-test-isolation. shared-process.ts keeps one test's
      // leftovers (a warning on the next tick, stderr) out of the next.
      testArgs.push(
        `${process.allowedNodeEnvironmentFlags.has("--test-isolation") ? "--test-isolation" : "--experimental-test-isolation"}=none`,
      );
      testArgs.push(`--import=${pathToFileURL(path.join(repoRoot, "dist", "test", "helpers", "shared-process.js")).href}`);
    }
    if (!opts.nodeArgs.some((a) => a === "--test-reporter" || a.startsWith("--test-reporter="))) {
      testArgs.push("--test-reporter=spec", "--test-reporter-destination=stdout");
      testArgs.push(`--test-reporter=${pathToFileURL(path.join(repoRoot, "scripts", "failures-reporter.mjs")).href}`);
      testArgs.push(`--test-reporter-destination=${failuresFile}.${passes.indexOf(pass)}`);
    }
    testArgs.push(...opts.nodeArgs, ...pass.files);
    const code = await runForwarding(process.execPath, testArgs, { cwd: repoRoot });
    if (code !== 0 && testCode === 0) testCode = code;
  }
  if (checkFormat) format ??= formatCheck();
  const formatted = format ? await format : undefined;
  if (formatted) log(`format: ${formatted.ok ? "ok" : "FAILED"} (prettier --check, ${formatted.took})`);
  if (formatted && !formatted.ok) process.stdout.write(`${formatted.output.trimEnd()}\n${TAG} npm run format rewrites them\n`);
  const records = passes.flatMap((_, i) => readRecords(`${failuresFile}.${i}`));
  const failed = records.filter((r) => r.name !== undefined);
  writeDurations(
    took,
    records.filter((r) => r.name === undefined),
  );
  fs.rmSync(path.dirname(failuresFile), { recursive: true, force: true });
  const testsOk = testCode === 0;
  log(`tests: ${testsOk ? "ok" : `FAILED (node --test exited ${testCode})`} (${secs(t1)})`);

  // 3. Benchmark smoke test (full runs only).
  let benchOk = true;
  let benchNote;
  const bench = path.join(repoRoot, "scripts", "bench.mjs");
  if (!opts.bench) benchNote = "skipped (--no-bench)";
  else if (!CI) benchNote = "CI only (CI=true npm test runs it; npm run bench -- --quick --smoke alone)";
  else if (opts.files.length || opts.nodeArgs.length || opts.suites.length) benchNote = "skipped (a subset of the tests was selected)";
  if (benchNote) {
    log(`bench smoke: ${benchNote}`);
  } else {
    const t2 = Date.now();
    log("bench smoke: node scripts/bench.mjs --quick --smoke (its tables are shown when it fails)");
    // The smoke run checks that the harness works; its tables, at smoke size, say nothing about
    // hotload's speed, so a passing run keeps them out of the way (npm run bench shows them).
    const { code, output } = await runCapturing(process.execPath, [bench, "--quick", "--smoke"], { cwd: repoRoot });
    benchOk = code === 0;
    benchNote = benchOk ? "ok" : `FAILED (exit ${code})`;
    if (!benchOk) process.stdout.write(output);
    const figures = /raw figures: (\S+)/.exec(output)?.[1];
    log(`bench smoke: ${benchNote} (${secs(t2)})${benchOk && figures ? `, raw figures in ${figures}` : ""}`);
  }

  const ok = buildOk && testsOk && benchOk && formatted?.ok !== false;
  if (failed.length > 0) {
    // Said last, so a failing run ends with what failed instead of pages above.
    const files = new Set(failed.map((f) => f.file));
    log(`${failed.length} failed test(s) in ${files.size} file(s):`);
    for (const f of failed) {
      const where = f.file ? `${displayPath(f.file)}${f.line ? `:${f.line}` : ""}` : "?";
      log(`  ✖ ${where} ${f.name}${f.message ? ` — ${f.message}` : ""}`);
    }
  }
  log(
    `${ok ? "OK" : "FAILED"} on Node ${process.version.replace(/^v/, "")}: ` +
      `build ${opts.build ? (buildOk ? "ok" : "FAILED") : "skipped"}, ` +
      `tests ${testsOk ? "ok" : "FAILED"}, ${formatted ? `format ${formatted.ok ? "ok" : "FAILED"}, ` : ""}bench smoke ${benchNote} (${secs(started)} total)`,
  );
  if (!ok) return testsOk ? 1 : testCode || 1;
  return 0;
}

function parseArgs(argv) {
  const opts = { build: true, bench: true, format: true, files: [], nodeArgs: [], suites: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "--no-build") opts.build = false;
    else if (a === "--no-bench") opts.bench = false;
    else if (a === "--no-format") opts.format = false;
    else if (a.startsWith("--suite=")) {
      const suite = a.slice("--suite=".length);
      if (!SUITES.includes(suite)) return { error: `--suite takes one of ${SUITES.join(", ")}, not ${JSON.stringify(suite)}` };
      opts.suites.push(suite);
    } else if (a.startsWith("-")) {
      opts.nodeArgs.push(a);
      if (VALUE_FLAGS.has(a)) {
        if (i + 1 >= argv.length) return { error: `${a} needs a value` };
        opts.nodeArgs.push(argv[++i]);
      }
    } else if (looksLikePath(a)) {
      opts.files.push(a);
    } else {
      // A bare word: a test name pattern.
      opts.nodeArgs.push(`--test-name-pattern=${a}`);
    }
  }
  return opts;
}

function looksLikePath(a) {
  return /[\\/*?[\]{}]/.test(a) || /\.(m|c)?(j|t)s$/.test(a) || fs.existsSync(path.resolve(repoRoot, a));
}

/** Every dist/test/<suite>/**\/*.test.js of `wanted` (the build starts from an empty dist/: none is stale). */
function defaultTestFiles(wanted) {
  const list = [];
  const suites = [];
  for (const suite of wanted) {
    const found = walk(path.join(repoRoot, "dist", "test", suite)).filter(isCompiledTest);
    if (found.length) suites.push(suite);
    list.push(...found.map((f) => path.relative(repoRoot, f)));
  }
  return { list, suites };
}

/** Files, folders (dist/ or source test/) and globs given on the command line. */
function resolveSelection(items) {
  const list = [];
  for (const item of items) {
    if (/[*?[\]{}]/.test(item)) {
      list.push(item); // a glob: node --test expands it
      continue;
    }
    const abs = path.resolve(process.env.INIT_CWD ?? repoRoot, item);
    // A source test file runs as its compiled copy (its imports name .js files of dist/).
    const candidates = [toDist(abs), abs].filter(Boolean);
    const hit = candidates.find((c) => fs.existsSync(c));
    if (!hit) return { error: `no such test file or folder: ${item}` };
    if (fs.statSync(hit).isDirectory()) {
      const d = toDist(hit);
      const dir = d && fs.existsSync(d) ? d : hit;
      list.push(
        ...walk(dir)
          .filter(isCompiledTest)
          .map((f) => path.relative(repoRoot, f)),
      );
    } else {
      list.push(path.relative(repoRoot, hit));
    }
  }
  return { list: [...new Set(list)] };
}

/** <repo>/test/x/y.test.ts -> <repo>/dist/test/x/y.test.js (and folders likewise). */
function toDist(abs) {
  const rel = path.relative(repoRoot, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel) || rel.split(path.sep)[0] === "dist") return null;
  return path.join(
    repoRoot,
    "dist",
    rel.replace(/\.(m|c)?tsx?$/, (m) => m.replace("ts", "js").replace("x", "")),
  );
}

function isCompiledTest(f) {
  return /\.test\.(m|c)?js$/.test(f);
}

function walk(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name === "node_modules" || e.name === "fixtures" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** `prettier --check .` (what .prettierignore leaves), with its output collected. */
async function formatCheck() {
  const t0 = Date.now();
  const prettier = path.join(repoRoot, "node_modules", "prettier", "bin", "prettier.cjs");
  const args = [prettier, "--check", "--cache", "--cache-strategy", "content", "--cache-location", ".cache/prettier", "."];
  const { code, output } = await runCapturing(process.execPath, args, { cwd: repoRoot });
  return { ok: code === 0, output, took: secs(t0) };
}

/** Runs a command with its output collected (stdout and stderr, in order of arrival). */
function runCapturing(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const forward = (signal) => child.kill(signal);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
    child.on("error", (err) => {
      output += `failed to start ${cmd}: ${err.message}\n`;
    });
    child.on("close", (code, signal) => {
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.off(s, forward);
      resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1), output });
    });
  });
}

/** What scripts/failures-reporter.mjs wrote: failed tests and durations (none when the file is missing). */
function readRecords(file) {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function readDurations() {
  try {
    return JSON.parse(fs.readFileSync(DURATIONS, "utf8"));
  } catch {
    return {};
  }
}

/** Adds this run's durations (summed per file) to what was known. */
function writeDurations(known, records) {
  if (records.length === 0) return;
  const sums = {};
  for (const { file, ms } of records) sums[file] = (sums[file] ?? 0) + ms;
  try {
    fs.mkdirSync(path.dirname(DURATIONS), { recursive: true });
    fs.writeFileSync(DURATIONS, `${JSON.stringify({ ...known, ...sums })}\n`);
  } catch {
    // Only an order for next time.
  }
}

function secs(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)}s`;
}
