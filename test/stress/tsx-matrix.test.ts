/**
 * The tsx versions users have (issues 21 and 23), each with ES module and CommonJS output, both
 * orders of the flags: a real update with live bindings (ES module output), of a module two
 * imports below an entry with no hot code and of a module.hot boundary (CommonJS output), a
 * syntax error that keeps the previous version, and its fix. Each version installs from the npm registry into the test's own
 * folder; npm test runs 4.21.0 and the repository's tsx (test/e2e/real-tsx-versions.test.ts).
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, edit, replaceIn, spawnCommand } from "../helpers/e2e.js";
import { ACCEPTING, CJS_ACCEPTING, PLAIN_CJS, removeTsxInstalls, tsxProject } from "../helpers/tsx.js";

after(async () => {
  await cleanup();
  removeTsxInstalls();
});

const VERSIONS = ["4.7", "4.19", "4.20", "4.21.0", "4.21.1", "4.22", "latest"];
const ORDERS = { "tsx first": ["--import", "tsx", "--import", "hotload"], "hotload first": ["--import", "hotload", "--import", "tsx"] };

/**
 * Whether a program under plain `node --import tsx` (no hotload) in `dir` can catch the syntax
 * error of a file tsx compiles: tsx 4.7 on Node 24 ends the process instead.
 */
async function syntaxErrorsCatchable(dir: string): Promise<boolean> {
  writeFileSync(join(dir, "broken.ts"), 'export const value: string = "broken" +;\n');
  const run = spawnCommand(process.execPath, ["--import", "tsx", "-e", 'import("./broken.ts").catch(() => console.log("caught"))'], {
    cwd: dir,
  });
  await run.exited;
  rmSync(join(dir, "broken.ts"));
  return run.lines.includes("caught");
}

/** `updated` lines without their time. */
const updates = (lines: readonly string[]): string[] =>
  lines.filter((line) => line.startsWith("[hotload] updated")).map((line) => line.replace(/ in [\d.]+ ms$/, ""));

/**
 * A TypeScript entry with no hot code that requires a plain CommonJS .js file (tsx's .js entry
 * compiles it), with an interval and a SIGTERM handler of its own.
 */
const PLAIN_JS: Readonly<Record<string, string>> = {
  "src/index.ts": [
    'import { hello } from "./routes";',
    "setInterval(() => console.log(`tick ${hello()}`), 40);",
    'process.on("SIGTERM", () => {',
    "  console.log(`sigterm ${hello()}`);",
    "  process.exit(0);",
    "});",
    "console.log(`ready ${hello()}`);",
    "",
  ].join("\n"),
  "src/routes.js": 'exports.hello = () => {\n  return String("r1");\n};\n',
};

for (const version of VERSIONS) {
  describe(`tsx ${version}`, () => {
    for (const [order, flags] of Object.entries(ORDERS)) {
      test(`"type": "module", ${order}: updates with live bindings, a syntax error keeps the previous version, its fix applies`, async (t) => {
        const dir = await tsxProject(version, true, ACCEPTING);
        if (!(await syntaxErrorsCatchable(dir))) return t.skip(`tsx ${version} ends the process on a syntax error, without hotload too`);
        const run = spawnCommand(process.execPath, [...flags, "app.ts"], { cwd: dir });
        await run.waitForLine("app sees dep v1", 20_000);
        let since = run.mark();
        replaceIn(join(dir, "dep.ts"), "dep v1", "dep v22");
        await run.waitForLine("app accepted dep v22, live dep v22", 10_000, since);
        since = run.mark();
        edit(join(dir, "dep.ts"), 'export const value: string = "dep v333" +;\n');
        await run.waitForLine(/dep\.ts:1:\d+ SyntaxError: .* keeping the previous version/, 10_000, since);
        since = run.mark();
        edit(join(dir, "dep.ts"), 'export const value: string = "dep v4444";\n');
        await run.waitForLine("app accepted dep v4444, live dep v4444", 10_000, since);
        await run.waitForLine(/^\[hotload\] updated/, 10_000, since);
        assert.deepEqual(updates(run.lines), Array(2).fill("[hotload] updated ./dep.ts → ./app.ts"), run.output());
      });

      test(`CommonJS output, ${order}: each save of a module two imports below an entry with no hot code updates the entry in place`, async () => {
        const dir = await tsxProject(version, false, PLAIN_CJS);
        const run = spawnCommand(process.execPath, [...flags, "src/index.ts"], { cwd: dir });
        await run.waitForLine("app sees dep v1", 20_000);
        for (const [from, to] of [
          ["dep v1", "dep v22"],
          ["dep v22", "dep v333"],
        ] as const) {
          const since = run.mark();
          replaceIn(join(dir, "src/router2.ts"), from, to);
          await run.waitForLine(`app sees ${to}`, 10_000, since);
          await run.waitForLine(/^\[hotload\] updated/, 10_000, since);
        }
        assert.deepEqual(updates(run.lines), Array(2).fill("[hotload] updated ./src/router2.ts → ./src/index.ts"), run.output());
        assert.equal(run.lines.filter((line) => line.startsWith("app sees")).length, 3, run.output());
      });

      test(`CommonJS output, ${order}: a syntax error in a plain .js file is found before the old version stops, its fix applies in place once`, async (t) => {
        const dir = await tsxProject(version, false, PLAIN_JS);
        if (!(await syntaxErrorsCatchable(dir))) return t.skip(`tsx ${version} ends the process on a syntax error, without hotload too`);
        const run = spawnCommand(process.execPath, [...flags, "src/index.ts"], { cwd: dir });
        await run.waitForLine("ready r1", 20_000);
        let since = run.mark();
        replaceIn(join(dir, "src/routes.js"), 'String("r1")', 'String("r1"');
        const reported = await run.waitForLine(/routes\.js:\d+:\d+ SyntaxError: /, 10_000, since);
        assert.match(reported, /\/src\/routes\.js:2:\d+ SyntaxError: .* — keeping the previous version$/, run.output());
        await run.waitForLine('  > 2 |   return String("r1";', 10_000, since);
        // The old version's interval still runs after the report.
        await run.waitForLine("tick r1", 10_000, run.lines.indexOf(reported, since) + 1);
        assert.equal(run.lines.slice(since).filter((line) => line.startsWith("[hotload]")).length, 1, run.output());
        since = run.mark();
        replaceIn(join(dir, "src/routes.js"), 'String("r1"', 'String("r2!")');
        await run.waitForLine("tick r2!", 10_000, since);
        await run.waitForLine(/^\[hotload\] updated/, 10_000, since);
        since = run.mark();
        run.child.kill("SIGTERM");
        assert.equal(await run.exited, 0, run.output());
        assert.deepEqual(updates(run.lines), ["[hotload] updated ./src/routes.js → ./src/index.ts"], run.output());
        assert.deepEqual(
          run.lines.filter((line) => /^(ready|sigterm)/.test(line)),
          ["ready r1", "ready r2!", "sigterm r2!"],
          run.output(),
        );
      });

      test(`CommonJS output, ${order}: a module.hot boundary takes an update, a syntax error keeps the previous version, its fix applies`, async (t) => {
        const dir = await tsxProject(version, false, CJS_ACCEPTING);
        if (!(await syntaxErrorsCatchable(dir))) return t.skip(`tsx ${version} ends the process on a syntax error, without hotload too`);
        const run = spawnCommand(process.execPath, [...flags, "src/index.ts"], { cwd: dir });
        await run.waitForLine("app sees dep v1", 20_000);
        let since = run.mark();
        replaceIn(join(dir, "src/router2.ts"), "dep v1", "dep v22");
        await run.waitForLine("server accepted dep v22", 10_000, since);
        since = run.mark();
        edit(join(dir, "src/router2.ts"), 'export const value: string = "dep v333" +;\n');
        // CommonJS cannot wait at the gate: its old version was disposed, and is put back.
        await run.waitForLine(/router2\.ts:1:\d+ SyntaxError: .* — (keeping|rolled back to) the previous version/, 10_000, since);
        since = run.mark();
        edit(join(dir, "src/router2.ts"), 'export const value: string = "dep v4444";\n');
        await run.waitForLine("server accepted dep v4444", 10_000, since);
        await run.waitForLine(/^\[hotload\] updated/, 10_000, since);
        assert.deepEqual(updates(run.lines), Array(2).fill("[hotload] updated ./src/router2.ts → ./src/server.ts"), run.output());
      });
    }
  });
}
