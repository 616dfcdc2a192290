/**
 * `node --import hotload app.mjs` lands here. This file must run on any Node version, so that an
 * unsupported one gets one clear line instead of a stack trace: it checks the version first and
 * only then loads the hooks (module.registerHooks needs package.json's engines.node).
 */
import { supportedNode, unsupportedNodeMessage } from "../src/shared/node-version.js";
import { runCached } from "./code-cache.js";
import { START_SLOT } from "../src/shared/link.js";

if (!supportedNode(process.versions.node)) {
  process.stderr.write(`[hotload] ${unsupportedNodeMessage(process.versions.node)}\n`);
  process.exit(1);
}

// `hotload --no-hot` only reports loaded files and needs none of the runtime. The hooks run from
// V8's code cache when they can (see code-cache.ts), else as the ES module bundle.
if (process.env["HOTLOAD_HOT"] === "0") await import("./files-only.js");
else if (!runCached(new URL("./hooks.cjs", import.meta.url), (specifier, options) => import(specifier, options))) {
  await import("./hooks.js");
}

// Under the `hotload` command: the program starts once the supervisor has handed over the sockets
// it holds (loader/sockets.ts). An immediate queued now runs once the entry has evaluated (its
// synchronous part; measured on Node 22, 24 and 26, ES module and CommonJS entries alike).
const start = (globalThis as Record<symbol, Promise<() => void> | undefined>)[Symbol.for(START_SLOT)];
if (start) setImmediate(await start);
