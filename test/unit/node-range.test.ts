import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, test } from "node:test";
import { USAGE } from "../../src/command/args.js";
import { enginesNode, REQUIRED_NODE, supportedNode, unsupportedNodeMessage } from "../../src/shared/node-version.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const engines = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
// Written in a form users read: the `^` or `>=` of a version, more than one joined by `||`.
const RANGE_TEXT = /(?:\^|>=)\s*\d+\.\d+\.\d+(?:\s*\|\|\s*(?:\^|>=)\s*\d+\.\d+\.\d+)+/g;

interface NodeEnv {
  readonly SUPPORTED_RANGE: string;
  satisfies(version: string, range?: string): boolean;
}
const nodeEnv = (await import(pathToFileURL(join(root, "scripts", "node-env.mjs")).href)) as NodeEnv;

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : files(path);
    return /\.(?:m?[jt]s|md)$/.test(entry.name) ? [path] : [];
  });
}

describe("the supported Node range is written once, in package.json's engines.node", () => {
  test("the loader, the command and the scripts read it from there", () => {
    assert.equal(REQUIRED_NODE, engines);
    assert.equal(nodeEnv.SUPPORTED_RANGE, engines);
    // Written into the compiled file by the build: nothing to read at start-up.
    const compiled = readFileSync(fileURLToPath(new URL("../../src/shared/node-version.js", import.meta.url)), "utf8");
    assert.ok(compiled.includes(`const ENGINES_NODE_STAMP = ${JSON.stringify(engines)};`), "the build stamped node-version.js");
    // What a compiled file the build did not stamp reads instead.
    assert.equal(enginesNode(), engines);
  });

  test("every user-facing message names that range", () => {
    assert.ok(unsupportedNodeMessage("20.20.2").endsWith(`hotload needs Node.js ${engines}`));
    assert.ok(USAGE.includes(`Node.js: ${engines} (`));
    const readme = readFileSync(join(root, "README.md"), "utf8");
    assert.ok(readme.includes(engines), "README.md names package.json's range");
  });

  test("no other file writes a range of its own (code reads engines.node; docs say the same range)", () => {
    const own = fileURLToPath(import.meta.url)
      .replace(/[\\/]dist[\\/]/, "/")
      .replace(/\.js$/, ".ts");
    const written: string[] = [];
    for (const file of [
      "README.md",
      "CONTRIBUTING.md",
      ...files("docs"),
      ...files("src"),
      ...files("loader"),
      ...files("scripts"),
      ...files("test"),
      ...files("bench"),
    ]) {
      if (join(root, file) === own) continue;
      for (const [text] of readFileSync(join(root, file), "utf8").matchAll(RANGE_TEXT)) {
        if (file !== "README.md" || text !== engines) written.push(`${file}: ${text}`);
      }
    }
    assert.deepEqual(written, []);
  });

  test("the loader's check and the scripts' check agree on every version around the range's bounds", () => {
    const versions = [
      "20.20.2",
      "22.0.0",
      "22.22.2",
      "22.22.3",
      "22.23.0",
      "23.11.1",
      "24.0.0",
      "24.11.0",
      "24.11.1",
      "24.12.0",
      "25.0.0",
      "26.1.0",
      "v24.11.1-nightly",
    ];
    const expected = [false, false, false, true, true, false, false, false, true, true, true, true, true];
    assert.deepEqual(
      versions.map((v) => supportedNode(v)),
      expected,
    );
    assert.deepEqual(
      versions.map((v) => nodeEnv.satisfies(v)),
      expected,
    );
  });

  test("a clause of another form matches nothing, rather than everything", () => {
    assert.equal(supportedNode("30.0.0", "~22.1.0"), false);
    assert.equal(nodeEnv.satisfies("30.0.0", "~22.1.0"), false);
    assert.equal(supportedNode("22.5.0", "^22.1.0 || garbage"), true);
  });
});
