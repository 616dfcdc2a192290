/**
 * The loader's start-up bundle runs from V8's code cache (loader/code-cache.ts): the first run
 * compiles it and writes the cache beside it once the program has run a while, the next ones use
 * it, a cache V8 rejects is compiled over and rewritten, and HOTLOAD_CODE_CACHE=0 turns it off.
 * Every run is a real hot program that applies an update. Each test uses its own copy of the
 * built package, so that the cache it looks at is its own.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

/** The repository root: this file runs as dist/test/e2e/core-code-cache.test.js. */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const packages: string[] = [];
after(async () => {
  await cleanup();
  for (const dir of packages) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the built package (dist/loader and dist/src), with the fixture linked to it. */
function fixtureWithOwnPackage(): { dir: string; cache: string } {
  const pkg = mkdtempSync(join(tmpdir(), "hotload-code-cache-pkg-"));
  packages.push(pkg);
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  for (const part of ["loader", "src"]) cpSync(join(ROOT, "dist", part), join(pkg, "dist", part), { recursive: true, filter: (from) => !from.includes(".cache") });
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
  const dir = copyFixture("code-cache");
  rmSync(join(dir, "node_modules", "hotload"));
  symlinkSync(pkg, join(dir, "node_modules", "hotload"), "dir");
  return { dir, cache: join(pkg, "dist", "loader", ".cache") };
}

/**
 * Runs the fixture once: applies one update, checks the cache's `state` as the debug log says it
 * (undefined: no cache line at all), waits for the cache to be written when it should be, stops.
 */
async function runOnce(dir: string, state: RegExp | undefined, round: number, env: Record<string, string> = {}): Promise<void> {
  const run = spawnHot(join(dir, "main.mjs"), { env: { HOTLOAD_LOG: "debug", ...env } });
  await run.waitForLine("main ready");
  const since = run.mark();
  edit(join(dir, "dep.mjs"), `export const value = "dep v${round}${"!".repeat(round)}";\n`);
  await run.waitForLine(`main sees dep v${round}${"!".repeat(round)}`, 10_000, since);
  const lines = run.lines.filter((line) => line.startsWith("[hotload] code cache:"));
  if (state === undefined) assert.deepEqual(lines, [], run.output());
  else {
    assert.ok(lines.some((line) => state.test(line)), `expected ${state} in:\n${run.output()}`);
    await run.waitForLine(/code cache: written to /, 10_000);
  }
  run.child.kill();
  await run.exited;
}

test("the first run writes the code cache, the next one uses it, and both apply updates", async () => {
  const { dir, cache } = fixtureWithOwnPackage();
  await runOnce(dir, /code cache: none yet$/, 2);
  assert.deepEqual(readdirSync(cache), [`hooks-${process.version}-${process.arch}.bin`]);
  const run = spawnHot(join(dir, "main.mjs"), { env: { HOTLOAD_LOG: "debug" } });
  await run.waitForLine("main ready");
  assert.ok(run.lines.includes("[hotload] code cache: used"), run.output());
  const since = run.mark();
  edit(join(dir, "dep.mjs"), 'export const value = "dep v33 from the cache";\n');
  await run.waitForLine("main sees dep v33 from the cache", 10_000, since);
});

test("a cache V8 rejects is compiled over and written again; HOTLOAD_CODE_CACHE=0 neither reads nor writes one", async () => {
  const { dir, cache } = fixtureWithOwnPackage();
  await runOnce(dir, /code cache: none yet$/, 2);
  const file = join(cache, `hooks-${process.version}-${process.arch}.bin`);
  // The right stamp (so that V8 is asked), then bytes that are not V8's.
  const bytes = readFileSync(file);
  const header = 4 + bytes.readUInt32LE(0);
  writeFileSync(file, Buffer.concat([bytes.subarray(0, header), Buffer.from("not a code cache, but garbage of some length".repeat(20))]));
  await runOnce(dir, /code cache: rejected by V8, compiled$/, 3);
  rmSync(cache, { recursive: true });
  await runOnce(dir, undefined, 4, { HOTLOAD_CODE_CACHE: "0" });
  assert.ok(!existsSync(cache));
});
