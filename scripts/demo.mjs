#!/usr/bin/env node
// `npm run demo`: runs examples/demo/server.mjs under `node --import hotload`, right after
// `npm install`. Like `npm test`, it runs on a supported Node, installing one into .cache/node
// when the running Node is too old (see scripts/node-env.mjs), and builds dist/ when it is missing.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureSupportedNode, repoRoot, runForwarding } from "./node-env.mjs";

const TAG = "[demo]";

try {
  await ensureSupportedNode({ tag: TAG, guardVar: "HOTLOAD_DEMO_REEXEC" });
} catch (err) {
  console.log(`${TAG} cannot get a supported Node: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

if (!fs.existsSync(path.join(repoRoot, "dist", "loader", "index.js"))) {
  console.log(`${TAG} dist/ is missing: building it first`);
  const built = spawnSync(process.execPath, [path.join(repoRoot, "scripts", "build-package.mjs")], { stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const demo = path.join(repoRoot, "examples", "demo");
console.log(`${TAG} node --import hotload server.mjs (in examples/demo, Node ${process.versions.node}; Ctrl+C stops it)`);
// `--import hotload` resolves to this repository itself: examples/ is inside the package named hotload.
process.exit(await runForwarding(process.execPath, ["--import", "hotload", "server.mjs"], { cwd: demo }));
