/**
 * The loader's start-up bundles (the hooks, in-place updates) run from V8's code cache
 * (loader/code-cache.ts): the first run compiles them and writes the cache in the user's cache
 * folder ($XDG_CACHE_HOME/hotload) once the program has run a while, the next ones use it, a
 * damaged cache (V8 would die on it) or one V8 rejects is compiled over and rewritten, and
 * HOTLOAD_CODE_CACHE=0 turns it off. Every run is a real hot program that applies an update. Each
 * test uses its own copy of the built package and its own cache folder.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, copyFixture, edit, spawnHot } from "../helpers/e2e.js";

/** The repository root: this file runs as dist/test/e2e/core-code-cache.test.js. */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const packages: string[] = [];
after(async () => {
  await cleanup();
  for (const dir of packages) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the built package (dist/loader and dist/src), with the fixture linked to it, and a
 * cache folder of its own: `env` points XDG_CACHE_HOME there, `cache` is hotload's folder in it.
 */
function fixtureWithOwnPackage(): { dir: string; cache: string; env: Record<string, string>; pkg: string } {
  const pkg = mkdtempSync(join(tmpdir(), "hotload-code-cache-pkg-"));
  packages.push(pkg);
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  for (const part of ["loader", "src"])
    cpSync(join(ROOT, "dist", part), join(pkg, "dist", part), { recursive: true, filter: (from) => !from.includes(".cache") });
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
  const dir = copyFixture("code-cache");
  rmSync(join(dir, "node_modules", "hotload"));
  symlinkSync(pkg, join(dir, "node_modules", "hotload"), "dir");
  const home = mkdtempSync(join(tmpdir(), "hotload-code-cache-home-"));
  packages.push(home);
  return { dir, cache: join(home, "hotload"), env: { XDG_CACHE_HOME: home }, pkg };
}

/** What the debug log says of each script's cache, by name (hooks, inplace, and the engine and first-load edits loaded later). */
type States = Readonly<Partial<Record<"hooks" | "inplace" | "engine" | "first-load-edit", string>>>;
const CACHE_FILES = ["engine", "first-load-edit", "hooks", "inplace"].map((name) => `${name}-${process.version}-${process.arch}.bin`);

/**
 * Runs the fixture once: applies one update, checks each script's cache `states` as the debug
 * log says them (undefined: no cache line at all), waits for the caches that should be written
 * to be written, stops.
 */
async function runOnce(
  dir: string,
  states: States | undefined,
  round: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<void> {
  const run = spawnHot(join(dir, "main.mjs"), { env: { HOTLOAD_LOG: "debug", ...env }, nodeArgs });
  await run.waitForLine("main ready");
  const since = run.mark();
  edit(join(dir, "dep.mjs"), `export const value = "dep v${round}${"!".repeat(round)}";\n`);
  await run.waitForLine(`main sees dep v${round}${"!".repeat(round)}`, 10_000, since);
  const lines = run.lines.filter((line) => line.startsWith("[hotload] code cache:"));
  if (states === undefined) assert.deepEqual(lines, [], run.output());
  else {
    for (const [name, state] of Object.entries(states)) {
      assert.ok(lines.includes(`[hotload] code cache: ${name}: ${state}`), `expected ${name}: ${state} in:\n${run.output()}`);
      if (!state.startsWith("used"))
        await run.waitForLine(new RegExp(`code cache: written to .*${name}-v[\\d.]+-\\w+(?:-[0-9a-f]{8})?\\.bin$`), 10_000);
    }
  }
  run.child.kill();
  await run.exited;
}

/** Where V8's data starts in a cache file: after the stamp's length, the stamp and the checksum. */
const dataStart = (bytes: Buffer): number => 4 + bytes.readUInt32LE(0) + 4;

/**
 * The hash each cache file carries of V8's data (loader/code-cache.ts runs it in WebAssembly), here
 * in plain JavaScript: each little-endian word w, the last padded with zeros, as
 * a = rotl(a + w * 0x85EBCA77, 13) * 0x9E3779B1, from a = the byte length.
 */
function checksum(data: Uint8Array): number {
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  const words = new DataView(padded.buffer);
  let a = data.length | 0;
  for (let at = 0; at < padded.length; at += 4) {
    const mixed = (a + Math.imul(words.getUint32(at, true), 0x85ebca77)) | 0;
    a = Math.imul((mixed << 13) | (mixed >>> 19), 0x9e3779b1);
  }
  return a >>> 0;
}

/** Whether the checksum in a cache file is that of its data. */
const whole = (bytes: Buffer): boolean => bytes.readUInt32LE(dataStart(bytes) - 4) === checksum(bytes.subarray(dataStart(bytes)));

// Each test has its own package and cache folder, and waits mostly for the cache to be written
// (1.5 s after a start): they run side by side.
describe("the code cache", { concurrency: true }, () => {
  test("the first run writes the code cache in the user's cache folder, not in the package; the next one uses it, and both apply updates", async () => {
    const { dir, cache, env, pkg } = fixtureWithOwnPackage();
    await runOnce(dir, { hooks: "none yet", inplace: "none yet", engine: "none yet", "first-load-edit": "none yet" }, 2, env);
    assert.deepEqual(readdirSync(cache).sort(), CACHE_FILES);
    assert.ok(!existsSync(join(pkg, "dist", "loader", ".cache")));
    const run = spawnHot(join(dir, "main.mjs"), { env: { HOTLOAD_LOG: "debug", ...env } });
    await run.waitForLine("main ready");
    assert.ok(
      run.lines.includes("[hotload] code cache: hooks: used") && run.lines.includes("[hotload] code cache: inplace: used"),
      run.output(),
    );
    const since = run.mark();
    edit(join(dir, "dep.mjs"), 'export const value = "dep v33 from the cache";\n');
    await run.waitForLine("main sees dep v33 from the cache", 10_000, since);
  });

  test("a program that ends at once writes the caches of what it loaded as it exits; its next start uses them", async () => {
    const { dir, cache, env } = fixtureWithOwnPackage();
    const states = async (): Promise<string[]> => {
      const run = spawnHot(join(dir, "once.mjs"), { env: { HOTLOAD_LOG: "debug", ...env } });
      assert.equal(await run.exited, 0, run.output());
      assert.ok(run.lines.includes("once sees dep v1"), run.output());
      return run.lines.filter((line) => /code cache: \S+: /.test(line)).map((line) => line.replace("[hotload] code cache: ", ""));
    };
    assert.deepEqual(await states(), ["hooks: none yet", "inplace: none yet", "first-load-edit: none yet"]);
    assert.deepEqual(
      readdirSync(cache).sort(),
      CACHE_FILES.filter((file) => !file.startsWith("engine")),
    );
    assert.deepEqual(await states(), ["hooks: used", "inplace: used", "first-load-edit: used"]);
  });

  test("a damaged cache (bytes flipped, same-length garbage, truncated) is never handed to V8: the program runs, the cache is written again", async () => {
    const { dir, cache, env } = fixtureWithOwnPackage();
    await runOnce(dir, { hooks: "none yet", inplace: "none yet" }, 2, env);
    const [, , hooks, inplace] = CACHE_FILES.map((name) => join(cache, name)) as [string, string, string, string];
    // Damage that keeps V8's own header (its magic number, flags and source length): V8 checks no
    // checksum and used to end the process with a fatal error (SIGTRAP) on such data.
    const flipped = readFileSync(hooks);
    for (let at = dataStart(flipped) + 200; at < flipped.length; at += 997) flipped[at]! ^= 0x5a;
    writeFileSync(hooks, flipped);
    const garbage = readFileSync(inplace);
    const keep = dataStart(garbage) + 64;
    for (let at = keep; at < garbage.length; at++) garbage[at] = (at * 7919) & 0xff;
    writeFileSync(inplace, garbage);
    await runOnce(dir, { hooks: "damaged (checksum), compiled", inplace: "damaged (checksum), compiled" }, 3, env);
    assert.ok(whole(readFileSync(hooks)) && whole(readFileSync(inplace)));
    const full = readFileSync(hooks);
    writeFileSync(hooks, full.subarray(0, full.length >> 1));
    // The rewritten in-place cache is used: V8 took what was written.
    await runOnce(dir, { hooks: "damaged (checksum), compiled", inplace: "used" }, 4, env);
    assert.ok(whole(readFileSync(hooks)) && readFileSync(hooks).length > full.length >> 1);
  });

  test("a cache V8 rejects is compiled over and written again, a cache of another build is not used, HOTLOAD_CODE_CACHE=0 neither reads nor writes one", async () => {
    const { dir, cache, env } = fixtureWithOwnPackage();
    await runOnce(dir, { hooks: "none yet", inplace: "none yet" }, 2, env);
    const file = join(cache, CACHE_FILES[2]!);
    // The right stamp and checksum (so that V8 is asked), then bytes that are not V8's.
    const bytes = readFileSync(file);
    const notV8 = Buffer.from("not a code cache, but garbage of some length".repeat(20));
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(checksum(notV8));
    writeFileSync(file, Buffer.concat([bytes.subarray(0, dataStart(bytes) - 4), sum, notV8]));
    await runOnce(dir, { hooks: "rejected by V8, compiled", inplace: "used" }, 3, env);
    // Another build of the same length (V8 would take the cache: it compares only the length): the
    // build named on line 1 differs, so the cache is not used.
    const hooks = join(dir, "node_modules", "hotload", "dist", "loader", "hooks.cjs");
    const code = readFileSync(hooks, "utf8");
    writeFileSync(
      hooks,
      code.replace(/^(\/\/ hotload script build )([0-9a-f])/, (_, line: string, digit: string) => `${line}${digit === "0" ? "1" : "0"}`),
    );
    assert.equal(readFileSync(hooks, "utf8").length, code.length);
    await runOnce(dir, { hooks: "none yet", inplace: "used" }, 4, env);
    rmSync(cache, { recursive: true });
    await runOnce(dir, undefined, 5, { HOTLOAD_CODE_CACHE: "0", ...env });
    assert.ok(!existsSync(cache));
  });

  test("a start under other V8 flags keeps a cache of its own next to the first one: started either way, a program runs from a cache", async () => {
    const { dir, cache, env } = fixtureWithOwnPackage();
    await runOnce(dir, { hooks: "none yet", inplace: "none yet" }, 2, env);
    const written = readFileSync(join(cache, CACHE_FILES[2]!));
    // --expose-gc is one of the flags V8 takes a cache under only when they match.
    await runOnce(dir, { hooks: "rejected by V8, compiled", inplace: "rejected by V8, compiled" }, 3, env, ["--expose-gc"]);
    await runOnce(dir, { hooks: "used (this start's flags)", inplace: "used (this start's flags)" }, 4, env, ["--expose-gc"]);
    await runOnce(dir, { hooks: "used", inplace: "used" }, 5, env);
    assert.deepEqual(readFileSync(join(cache, CACHE_FILES[2]!)), written, "the first start's cache was written over");
    const own = readdirSync(cache).filter((file) => /^hooks-v[\d.]+-\w+-[0-9a-f]{8}\.bin$/.test(file));
    assert.equal(own.length, 1, readdirSync(cache).join(", "));
    assert.ok(whole(readFileSync(join(cache, own[0]!))));
  });
});
