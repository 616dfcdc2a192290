/**
 * `hotload --help` is where a user looks for what the command needs and what it reads (issue 14):
 * it names the supported Node range (package.json's engines, the one definition users see) and
 * every HOTLOAD_* environment variable hotload's sources read.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { USAGE } from "../../src/command/args.js";
import { ROOT } from "../helpers/e2e.js";

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(join(ROOT, dir, file), "utf8"));
}

test("hotload --help names the Node versions package.json's engines supports", () => {
  const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  assert.ok(USAGE.includes(`Node.js: ${engines} `), `--help does not name ${engines}:\n${USAGE}`);
});

test("hotload --help names every HOTLOAD_ environment variable that src/ and loader/ read", () => {
  const read = new Set([...sources("src"), ...sources("loader")].flatMap((text) => text.match(/\bHOTLOAD_[A-Z_]+\b/g) ?? []));
  assert.ok(read.size >= 3, `found only ${[...read].join(", ")}`);
  const missing = [...read].filter((name) => !USAGE.includes(name));
  assert.deepEqual(missing, [], `--help does not mention ${missing.join(", ")}`);
});
