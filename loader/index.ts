/**
 * `node --import hotload app.mjs` lands here. This file must run on any Node version, so that an
 * unsupported one gets one clear line instead of a stack trace: it checks the version first and
 * only then loads the hooks (module.registerHooks needs ^22.22.3 || >=24.11.1).
 */
const REQUIRED = "^22.22.3 || >=24.11.1";

function supported(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 3);
  if (major === 24) return minor > 11 || (minor === 11 && patch >= 1);
  return major > 24;
}

if (!supported(process.versions.node)) {
  process.stderr.write(`[hotload] Node.js ${process.versions.node} is not supported: hotload needs Node.js ${REQUIRED}\n`);
  process.exit(1);
}

// `hotload --no-hot` only reports loaded files and needs none of the runtime.
await import(process.env["HOTLOAD_HOT"] === "0" ? "./files-only.js" : "./hooks.js");
