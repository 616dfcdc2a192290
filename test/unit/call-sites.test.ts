import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { nameCallSitesByFile } from "../../loader/call-sites.js";

// Node's own default function, before hotload's accessor is installed.
const nodeDefault: unknown = Error.prepareStackTrace;
let renamed = false;
nameCallSitesByFile(() => renamed);

/** A module loaded under `?hotload=3` that reports what its call sites name it. */
async function versioned(): Promise<{ sites: () => string; callSites: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "hotload-call-sites-"));
  writeFileSync(
    join(dir, "dep.mjs"),
    [
      "export function sites() {",
      "  const prepare = Error.prepareStackTrace;",
      "  Error.prepareStackTrace = (_, sites) => sites;",
      "  const sites = new Error().stack;",
      "  Error.prepareStackTrace = prepare;",
      "  return sites[0].getFileName();",
      "}",
      'export const callSites = () => process.getBuiltinModule("node:util").getCallSites(1)[0].scriptName;',
    ].join("\n"),
  );
  const dep = (await import(`${pathToFileURL(join(dir, "dep.mjs")).href}?hotload=3`)) as { sites: () => string; callSites: () => string };
  rmSync(dir, { recursive: true, force: true });
  return dep;
}

describe("call sites name the file of a new version (loader/call-sites.ts)", () => {
  test("before any new version loaded, Error.prepareStackTrace is exactly what the program set", () => {
    const mine = (_: Error, sites: NodeJS.CallSite[]): unknown => sites;
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = mine;
    assert.equal(Error.prepareStackTrace, mine);
    Error.prepareStackTrace = saved;
    assert.equal(Error.prepareStackTrace, nodeDefault);
  });

  test("CallSite.getFileName() and util.getCallSites() give the file's URL without the version; util.getCallSites() starts at its caller", async () => {
    const dep = await versioned();
    renamed = true;
    assert.match(dep.sites(), /^file:\/\/.*\/dep\.mjs$/);
    assert.match(dep.callSites(), /^file:\/\/.*\/dep\.mjs$/);
  });

  test("Node's default is never wrapped; a program's function reads back as one wrapper, and setting it back restores the function", () => {
    renamed = true;
    assert.equal(Error.prepareStackTrace, nodeDefault);
    const mine = (_: Error, sites: NodeJS.CallSite[]): unknown => sites.length;
    Error.prepareStackTrace = mine;
    const wrapper = Error.prepareStackTrace;
    assert.notEqual(wrapper, mine);
    assert.equal(Error.prepareStackTrace, wrapper);
    assert.equal(typeof new Error().stack, "number");
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    Error.prepareStackTrace = wrapper;
    assert.equal(typeof new Error().stack, "number");
    Error.prepareStackTrace = nodeDefault as typeof Error.prepareStackTrace;
    assert.equal(typeof new Error().stack, "string");
  });
});
