/**
 * TypeScript with Node's own type stripping (issue 4): `node --import hotload app.ts` on
 * fixtures/real-ts. One child, started with a probe hook registered after hotload's, so the test
 * sees the format and source hotload hands back to Node for every .ts/.mts/.cts it loads.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, replaceIn, spawnCommand, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/** `file:line:column` of the `new Error` in `fail.ts` as it is on disk now. */
function throwSite(file: string): string {
  const lines = readFileSync(file, "utf8").split("\n");
  const index = lines.findIndex((line) => line.includes("throw new Error"));
  assert.ok(index >= 0, `no throw in ${file}`);
  return `fail.ts:${index + 1}:${lines[index]!.indexOf("new Error") + 1}`;
}

describe("TypeScript through Node's type stripping", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = copyFixture("real-ts");
    // In place, the repository's package.json makes the fixture's .ts files ES modules.
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    // `--import hotload` first, like a user would; the probe comes after it so that it sees
    // hotload's result. (Node 22.18+ no longer warns that type stripping is experimental; should a
    // version warn, nothing here needs stderr to be quiet.)
    run = spawnCommand(process.execPath, ["--import", "hotload", "--import", "./probe.mjs", "app.ts"], { cwd: dir });
    await run.waitForLine("app ready");
  });

  test("a module hotload edits for import.meta.hot goes to Node with its types stripped by hotload (the others unchanged, commonjs-typescript for .cts)", () => {
    // app.ts uses import.meta.hot: hotload strips what it edits itself, so that a syntax error
    // is Node's, from the file as written (source/typescript.ts). The others are left untouched.
    assert.ok(run.lines.includes("format app.ts module hot"), run.output());
    for (const file of ["greet.ts", "math.mts", "fail.ts"]) {
      assert.ok(
        run.lines.some((line) => line.startsWith(`format ${file} module-typescript`)),
        run.output(),
      );
    }
    // CommonJS is never rewritten: module.hot comes from a getter every module inherits.
    assert.ok(run.lines.includes("format legacy.cts commonjs-typescript"), run.output());
    assert.ok(
      !run.lines.some(
        (line) => line.startsWith("format ") && !/ (module|commonjs)-typescript$/.test(line) && line !== "format app.ts module hot",
      ),
      run.output(),
    );
    assert.ok(run.lines.includes("app says hello v1 to you, scale(10)=20"), run.output());
  });

  test("saving a .ts module re-imports it with its types stripped, and its importer's accept callback gets the new exports", async () => {
    const since = run.mark();
    replaceIn(join(dir, "greet.ts"), "version: number = 1", "version: number = 2");
    await run.waitForLine("app accepted greet.ts: hello v2 to you", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/greet\.ts → \.\/app\.ts/, 10_000, since);
    const later = run.lines.slice(since);
    // The new version went through the same hooks, and hotload stripped its types itself: Node
    // would name it by its versioned URL in stack traces and for debuggers (source/typescript.ts).
    assert.ok(
      later.some((line) => /^format greet\.ts module( hot)?$/.test(line)),
      run.output(),
    );
    assert.equal(later.filter((line) => line === "greet.ts v2 evaluated").length, 1, run.output());
  });

  test("saving an .mts module updates it the same way", async () => {
    const since = run.mark();
    replaceIn(join(dir, "math.mts"), "factor: number = 2", "factor: number = 30");
    await run.waitForLine("app accepted math.mts: scale(10)=300", 10_000, since);
    assert.ok(
      run.lines.slice(since).some((line) => /^format math\.mts module( hot)?$/.test(line)),
      run.output(),
    );
  });

  test("a .cts module is hot with module.hot: it accepts itself and its dispose handler hands data to the new version", async () => {
    assert.ok(run.lines.includes("legacy.cts count 1 evaluated, data {}"), run.output());
    const since = run.mark();
    replaceIn(join(dir, "legacy.cts"), "count: number = 1", "count: number = 22");
    await run.waitForLine('legacy.cts count 22 evaluated, data {"count":1}', 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/legacy\.cts → \.\/legacy\.cts/, 10_000, since);
  });

  test("a stack trace points at the .ts line and column of the throw, before and after an update moves it", async () => {
    const file = join(dir, "fail.ts");
    assert.ok(run.lines.includes(`frame ${throwSite(file)}`), `expected frame ${throwSite(file)}\n${run.output()}`);
    // One more line above the throw, and two more columns before it.
    const since = run.mark();
    replaceIn(file, "  const label: string =", "  // moved down a line\n    const label: string =");
    const expected = throwSite(file);
    assert.notEqual(expected, "fail.ts:5:52");
    await run.waitForLine(`frame ${expected}`, 10_000, since);
  });

  test("a type-only import creates no graph edge: types.ts is not in the graph, and saving it does nothing", async () => {
    const graphed = run.lines.filter((line) => line.startsWith("graph "));
    assert.ok(graphed.includes("graph greet.ts imports []"), run.output());
    assert.ok(graphed.includes("graph fail.ts imports []"), run.output());
    assert.ok(graphed.includes("graph app.ts imports [fail.ts greet.ts legacy.cts math.mts]"), run.output());
    assert.ok(!graphed.some((line) => line.includes("types.ts")), run.output());

    // Saved first, then greet.ts: whatever the watcher makes of the pair, only greet.ts updates.
    const since = run.mark();
    replaceIn(join(dir, "types.ts"), "readonly to: string;", "readonly to: string;\n  readonly from?: string;");
    replaceIn(join(dir, "greet.ts"), "version: number = 2", "version: number = 3");
    await run.waitForLine("app accepted greet.ts: hello v3 to you", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/greet\.ts → \.\/app\.ts in /, 10_000, since);
    assert.ok(!run.lines.slice(since).some((line) => line.includes("types.ts")), run.output());
  });
});

test('type stripping: accept("./dep.ts") after a non-null assertion or with type arguments is read before it runs, so the importer\'s own imports are live', async () => {
  const dir = copyFixture("ts-accept-forms");
  const run = spawnHot(join(dir, "app.ts"));
  await run.waitForLine("app sees dep v1 and other v1");
  let since = run.mark();
  replaceIn(join(dir, "dep.ts"), "dep v1", "dep v22");
  await run.waitForLine("app accepted dep: live dep v22", 10_000, since);
  await run.waitForLine("typed accepted dep: live dep v22", 10_000, since);
  since = run.mark();
  replaceIn(join(dir, "other.ts"), "other v1", "other v22");
  await run.waitForLine("app accepted other other v22: live other v22", 10_000, since);
});
