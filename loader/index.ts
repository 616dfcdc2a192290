/**
 * `node --import hotload app.mjs` lands here. This file must run on any Node version, so that an
 * unsupported one gets one clear line instead of a stack trace: it checks the version first and
 * only then loads the hooks (module.registerHooks needs package.json's engines.node).
 */
import { supportedNode, unsupportedNodeMessage } from "../src/shared/node-version.js";

if (!supportedNode(process.versions.node)) {
  process.stderr.write(`[hotload] ${unsupportedNodeMessage(process.versions.node)}\n`);
  process.exit(1);
}

// `hotload --no-hot` only reports loaded files and needs none of the runtime.
await import(process.env["HOTLOAD_HOT"] === "0" ? "./files-only.js" : "./hooks.js");
