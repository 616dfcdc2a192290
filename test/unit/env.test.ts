/**
 * hotload's environment variables, read in one module (src/shared/env.ts, issue 24): what each
 * value means, and that this process's are read once.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { hotloadEnv, readEnv } from "../../src/shared/env.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
// They run before env.ts can load: the `--import` entry and the code cache read their one variable.
const OWN_READERS = new Set(["src/shared/env.ts", "loader/index.ts", "loader/code-cache.ts"]);

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

test("unset, every variable gives its default", () => {
  assert.deepEqual(readEnv({}), {
    log: "info",
    ignore: [],
    pollMs: undefined,
    settleMs: undefined,
    handlerTimeoutMs: undefined,
    inPlace: true,
    supervisor: undefined,
    firstPid: undefined,
  });
});

test("HOTLOAD_LOG is silent, info or debug; anything else is info", () => {
  for (const level of ["silent", "info", "debug"]) assert.equal(readEnv({ HOTLOAD_LOG: level }).log, level);
  assert.equal(readEnv({ HOTLOAD_LOG: "DEBUG" }).log, "info");
});

test("numbers: a poll interval and a handler wait are positive, a settle time may be 0 (an empty value too)", () => {
  assert.equal(readEnv({ HOTLOAD_POLL: "100" }).pollMs, 100);
  for (const no of ["0", "-5", "soon", ""]) assert.equal(readEnv({ HOTLOAD_POLL: no }).pollMs, undefined, no);
  assert.equal(readEnv({ HOTLOAD_HANDLER_TIMEOUT_MS: "250" }).handlerTimeoutMs, 250);
  assert.equal(readEnv({ HOTLOAD_HANDLER_TIMEOUT_MS: "0" }).handlerTimeoutMs, undefined);
  assert.equal(readEnv({ HOTLOAD_SETTLE_MS: "40" }).settleMs, 40);
  assert.equal(readEnv({ HOTLOAD_SETTLE_MS: "0" }).settleMs, 0);
  assert.equal(readEnv({ HOTLOAD_SETTLE_MS: "" }).settleMs, 0);
  assert.equal(readEnv({ HOTLOAD_SETTLE_MS: "-1" }).settleMs, undefined);
});

test("HOTLOAD_IGNORE is a comma-separated list, trimmed, empty entries dropped; HOTLOAD_IN_PLACE is off for 0, false, off, no", () => {
  assert.deepEqual(readEnv({ HOTLOAD_IGNORE: " gen-a , ,gen-b/ " }).ignore, ["gen-a", "gen-b/"]);
  for (const off of ["0", "false", "off", "no", " OFF "]) assert.equal(readEnv({ HOTLOAD_IN_PLACE: off }).inPlace, false, off);
  assert.equal(readEnv({ HOTLOAD_IN_PLACE: "1" }).inPlace, true);
});

test("this process's variables are read once", () => {
  const first = hotloadEnv();
  const before = process.env["HOTLOAD_POLL"];
  process.env["HOTLOAD_POLL"] = "1234";
  try {
    assert.equal(hotloadEnv(), first);
    assert.notEqual(hotloadEnv().pollMs, 1234);
  } finally {
    if (before === undefined) delete process.env["HOTLOAD_POLL"];
    else process.env["HOTLOAD_POLL"] = before;
  }
});

test("no other module of src/ or loader/ names a HOTLOAD_ variable in its code or reads process.env for one", () => {
  const found: string[] = [];
  for (const file of [...sources("src"), ...sources("loader")]) {
    if (OWN_READERS.has(file)) continue;
    const code = readFileSync(join(root, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    code.split("\n").forEach((line, i) => {
      // Writing a variable for this process's children, deleting it, or copying the whole environment
      // for a child is no reading.
      const read =
        /process\.env/.test(line) &&
        !/\bdelete process\.env\[|process\.env\[\w+\] = |"(?:NO_COLOR|NODE_OPTIONS)"|= process\.env\)/.test(line);
      if (/["'`]HOTLOAD_/.test(line) || read) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});
