#!/usr/bin/env node
/**
 * The `hotload` command's executable. It only checks the Node version, with code that runs on any
 * Node, so that an unsupported one gets one line and a non-zero exit at once; the command itself
 * is in command/main.ts.
 */
import { supportedNode, unsupportedNodeMessage } from "./shared/node-version.js";

if (supportedNode(process.versions.node)) {
  await import("./command/main.js");
} else {
  process.stderr.write(`hotload: ${unsupportedNodeMessage(process.versions.node)}\n`);
  process.exitCode = 1;
}
