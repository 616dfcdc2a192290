// The tools compared by the benchmarks, where their apps live, and the bench's work folder.
//
// Everything that runs is a copy under bench/.work/ (git-ignored): apps are copied from
// bench/apps/<app>/ and edited there, projects are generated there. bench/.work is a symlink to a
// folder in the OS temp dir: hotload never makes its own package folder hot (its files are
// "hotload's own"), and in this repository that folder holds bench/ too, so the apps must really
// live elsewhere. Node resolves the entry to its real path, so the apps run from the temp folder.
// Its node_modules links `hotload` to a snapshot of the package taken when the bench starts
// (package.json and dist/, with the repository's node_modules linked), so `--import hotload`
// resolves exactly as in a user's project and a rebuild of dist/ during a run cannot change the
// code under test halfway; and each peer to bench/node_modules (npm install --prefix bench).

import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
  lstatSync,
  readlinkSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = resolve(BENCH, "..");
export const WORK = join(BENCH, ".work");
export const APPS = join(BENCH, "apps");
const WORK_REAL = join(tmpdir(), `hotload-bench-${userInfo().uid}-${createHash("sha1").update(ROOT).digest("hex").slice(0, 8)}`);
/** The snapshot of the package under test (see prepareWork). */
export const PKG = join(WORK_REAL, "hotload-pkg");
export const LOADER = join(PKG, "dist", "loader", "index.js");
export const CLI = join(PKG, "dist", "src", "cli.js");

function link(target, at) {
  let current;
  try {
    current = lstatSync(at).isSymbolicLink() ? readlinkSync(at) : null;
  } catch {}
  if (current === target) return;
  if (current !== undefined) rmSync(at, { recursive: true, force: true });
  symlinkSync(target, at, "dir");
}

/**
 * Creates bench/.work (a link to the temp folder), the snapshot of the package and the
 * node_modules links. Returns a description of the snapshot.
 */
export function prepareWork(source = ROOT) {
  mkdirSync(join(WORK_REAL, "node_modules"), { recursive: true });
  link(WORK_REAL, WORK);
  rmSync(PKG, { recursive: true, force: true });
  mkdirSync(PKG, { recursive: true });
  cpSync(join(source, "package.json"), join(PKG, "package.json"));
  const files = [];
  for (const sub of ["loader", "src"]) {
    if (!existsSync(join(source, "dist", sub))) continue;
    cpSync(join(source, "dist", sub), join(PKG, "dist", sub), { recursive: true });
    for (const f of readdirSync(join(PKG, "dist", sub))) if (f.endsWith(".js")) files.push(`${sub}/${f}`);
  }
  const hash = createHash("sha1");
  for (const f of files.sort()) hash.update(f).update(readFileSync(join(PKG, "dist", f)));
  link(join(existsSync(join(source, "node_modules")) ? source : ROOT, "node_modules"), join(PKG, "node_modules"));
  const modules = join(WORK_REAL, "node_modules");
  link(PKG, join(modules, "hotload"));
  // hotload's code cache (loader/code-cache.ts) in a folder of this bench's own, for every app it
  // starts: in the user's, any other checkout's build started meanwhile replaces it (one file per
  // Node version), and a counted start then compiles hotload's code instead of using the cache.
  process.env.XDG_CACHE_HOME = join(WORK_REAL, "cache");
  const peers = join(BENCH, "node_modules");
  if (existsSync(peers)) {
    for (const name of readdirSync(peers)) {
      if (name.startsWith(".")) continue;
      if (name.startsWith("@")) {
        mkdirSync(join(modules, name), { recursive: true });
        for (const sub of readdirSync(join(peers, name))) link(join(peers, name, sub), join(modules, name, sub));
      } else if (name !== "hotload") link(join(peers, name), join(modules, name));
    }
  }
  return { files: files.length, sha1: hash.digest("hex").slice(0, 12) };
}

/** A fresh empty folder under bench/.work/<kind>/<name>. */
export function freshDir(kind, name) {
  const dir = join(WORK, kind, name.replace(/[^\w.-]+/g, "-"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Copies bench/apps/<app> to a fresh folder and returns its path. */
export function copyApp(app, name = app) {
  const dir = freshDir("run", name);
  cpSync(join(APPS, app), dir, { recursive: true });
  return dir;
}

/** The installed version of a peer in bench/node_modules, or undefined. */
export function peerVersion(pkg) {
  const file = join(BENCH, "node_modules", pkg, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")).version;
  } catch {
    return undefined;
  }
}

export function hotloadVersion() {
  return JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version;
}

/**
 * The tools of the edit benchmark.
 *   kind 'hmr': updates in place; saves are open-loop (every 20-50 ms whatever happens).
 *   kind 'restart': restarts the app; saves are closed-loop (each one 20-50 ms after the previous
 *     save's code ran), because node --watch debounces for 200 ms, re-armed by every change, and
 *     would not restart at all during an open-loop burst.
 *   header: code put first in leaf.mjs for this tool.
 */
export const TOOLS = [
  {
    id: "hotload",
    label: "hotload",
    kind: "hmr",
    app: "hotload",
    argv: (entry) => ["--import", "hotload", entry],
    missing: () => (existsSync(LOADER) ? undefined : "dist/loader/index.js is missing (run npm run build)"),
  },
  {
    // The same, with a longer settle time: what it takes for a two-step save not to be torn.
    id: "hotload-settle25",
    label: "hotload, HOTLOAD_SETTLE_MS=25",
    kind: "hmr",
    app: "hotload",
    env: { HOTLOAD_SETTLE_MS: "25" },
    argv: (entry) => ["--import", "hotload", entry],
    missing: () => (existsSync(LOADER) ? undefined : "dist/loader/index.js is missing (run npm run build)"),
    note: "watcher settle 25 ms instead of 3",
    sizes: ["full"],
  },
  {
    id: "dynohot",
    label: "dynohot",
    kind: "hmr",
    app: "dynohot",
    peer: "dynohot",
    // The current dynohot (registerHooks), from ../shared/peers: not the registry's 1.2.1.
    want: "2.2.0",
    argv: (entry) => ["--import", "dynohot", entry],
  },
  {
    id: "hot-hook",
    label: "hot-hook",
    kind: "hmr",
    app: "hot-hook",
    peer: "hot-hook",
    argv: (entry) => ["--import", "hot-hook/register", entry],
    header: "import.meta.hot?.dispose(() => globalThis.__reload?.());",
    note: "dispose handler re-imports the boundary",
  },
  {
    id: "hot-esm",
    label: "hot-esm",
    kind: "hmr",
    app: "hot-esm",
    peer: "hot-esm",
    argv: (entry) => ["--no-warnings", "--experimental-loader", "hot-esm", entry],
    note: "app polls import() every 1 ms",
  },
  {
    id: "node-watch",
    label: "node --watch",
    kind: "restart",
    app: "node-watch",
    argv: (entry) => ["--watch", entry],
    note: "restart; closed-loop saves",
  },
  {
    id: "hotload-cli",
    label: "hotload CLI (restart)",
    kind: "restart",
    app: "hotload-cli",
    argv: (entry) => [CLI, entry],
    missing: () => (existsSync(CLI) ? undefined : "dist/src/cli.js is missing (the hotload command is not built)"),
    note: "unaccepted change; closed-loop saves",
  },
];

/** Why a tool cannot run here, or undefined when it can. */
export function whyMissing(tool) {
  if (tool.peer && !peerVersion(tool.peer)) return `${tool.peer} is not installed in bench/node_modules`;
  if (tool.want && peerVersion(tool.peer) !== tool.want)
    return `${tool.peer} ${peerVersion(tool.peer)} is installed, not ${tool.want} (see bench/README.md)`;
  return tool.missing?.();
}

/** The version a table shows for a tool: the peer's, Node's for node --watch, hotload's own. */
export function toolVersion(tool) {
  if (tool.peer) return peerVersion(tool.peer);
  if (tool.id === "node-watch") return `(Node ${process.version.slice(1)})`;
  return existsSync(join(PKG, "package.json")) ? hotloadVersion() : undefined;
}

/** `label version`, with the version placed after the tool's name. */
export function labelWithVersion(tool) {
  const v = toolVersion(tool);
  if (!v) return tool.label;
  const name = tool.label.match(/^(node --watch|hotload CLI|hotload|\S+)/)[1];
  return `${name} ${v}${tool.label.slice(name.length)}`;
}

/** Writes a file in one step. */
export function writeText(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
