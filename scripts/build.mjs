#!/usr/bin/env node
// The development build, for `npm run build` and the build step of `npm test`: removes dist/,
// compiles with tsc -p tsconfig.json (src, loader and the tests), then bundles the loader's
// start-up path (scripts/bundle.mjs). dist/ starts empty every time, so no output of a deleted or
// renamed source (a test file, a module) survives to be run or imported.
// Plain JS that runs on any Node npm runs on. The packed build is scripts/build-package.mjs.
//
// Usage: node scripts/build.mjs

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot, runForwarding, displayPath } from "./node-env.mjs";

/**
 * Builds; resolves with undefined when it worked, else what failed. tsc emits despite type
 * errors, so after a failure dist/ still holds what it could compile.
 */
export async function build() {
  const tsc = path.join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? "tsc.cmd" : "tsc");
  if (!fs.existsSync(tsc)) return `${displayPath(tsc)} not found: run \`npm ci\` (or \`npm install\`) first`;
  fs.rmSync(path.join(repoRoot, "dist"), { recursive: true, force: true });
  const code = await runForwarding(tsc, ["-p", "tsconfig.json"], { cwd: repoRoot, shell: process.platform === "win32" });
  // The loader's start-up path as one file (see scripts/bundle.mjs), on what tsc emitted.
  const { bundle } = await import("./bundle.mjs");
  const bundleError = await bundle();
  const problems = [code === 0 ? "" : `tsc exited ${code} (errors above)`, bundleError ? `bundle: ${bundleError}` : ""].filter(Boolean);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = await build();
  if (problem) {
    console.error(`[build] FAILED: ${problem}`);
    process.exitCode = 1;
  }
}
