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
import { DEFAULT_WATCHER_OPTIONS } from "../../src/watch/watcher.js";
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

test("--help and the README give HOTLOAD_SETTLE_MS's default as the watcher has it: at once, then the settle time for a file still being written", () => {
  // Read without HOTLOAD_SETTLE_MS in the environment: the defaults themselves.
  assert.equal(process.env["HOTLOAD_SETTLE_MS"], undefined);
  assert.equal(DEFAULT_WATCHER_OPTIONS.quickMs, 0);
  const wording = `default: at once, ${DEFAULT_WATCHER_OPTIONS.settleMs} ms for a file still being`;
  const flat = (text: string): string => text.replace(/\s+/g, " ");
  const help = flat(USAGE.slice(USAGE.indexOf("HOTLOAD_SETTLE_MS"), USAGE.indexOf("HOTLOAD_IN_PLACE")));
  assert.ok(help.includes(wording), `--help says: ${help}`);
  const readme =
    readFileSync(join(ROOT, "README.md"), "utf8")
      .split("\n")
      .find((line) => line.startsWith("| `HOTLOAD_SETTLE_MS`")) ?? "";
  assert.ok(flat(readme).includes(wording), `the README says: ${readme}`);
});
