#!/usr/bin/env node
// The build that goes into the package. `prepare` runs it: on `npm install` in a fresh clone, on
// an install from a git URL or a local folder, and before `npm pack` and `npm publish`. It compiles
// src/ and loader/ with tsconfig.build.json into a clean dist/src and dist/loader (no source maps:
// the package ships no .ts files for them to point at), then fails, and with it the pack, when an
// entry point is missing.
// Plain JS that runs on any Node npm runs on (prepare runs under the system Node, which may be
// older than the Node hotload itself needs).

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TAG = "[build-package]";

/** What the package.json exports, bin and client.d.ts point at: a pack without one is broken. */
const REQUIRED = [
  "dist/loader/index.js",
  "dist/loader/index.d.ts",
  "dist/src/api.js",
  "dist/src/api.d.ts",
  "dist/src/cli.js",
  "dist/src/hot-types.d.ts",
];

const fail = (message) => {
  console.error(`${TAG} ${message}`);
  process.exit(1);
};

const tsc = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "tsc.cmd" : "tsc");
if (!fs.existsSync(tsc)) {
  fail(`${path.relative(root, tsc)} is missing: the build needs the devDependencies (run \`npm install\` in ${root})`);
}

// Stale output (a deleted module, a source map of the dev build) must not reach the package.
for (const dir of ["dist/src", "dist/loader"]) fs.rmSync(path.join(root, dir), { recursive: true, force: true });

const res = spawnSync(tsc, ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
if (res.error || res.status !== 0) fail(`tsc -p tsconfig.build.json failed (${res.error?.message ?? `exit ${res.status}`})`);

// The loader's start-up path as one file (see scripts/bundle.mjs).
const { bundle } = await import("./bundle.mjs");
const bundleError = await bundle({ sourcemap: false });
if (bundleError) fail(`scripts/bundle.mjs: ${bundleError}`);

const missing = REQUIRED.filter((file) => !fs.existsSync(path.join(root, file)));
if (missing.length > 0) fail(`the build did not produce ${missing.join(", ")}: refusing to pack a package without them`);
const maps = ["dist/src", "dist/loader"].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true })
    .filter((f) => String(f).endsWith(".map"))
    .map((f) => `${dir}/${f}`),
);
if (maps.length > 0) fail(`source maps in the packed build point at files the package does not ship: ${maps.join(", ")}`);
