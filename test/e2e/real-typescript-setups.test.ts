/**
 * TypeScript set-ups beyond type stripping and tsx (issue 23), on an app with an enum and a
 * namespace: Node's --experimental-transform-types, and @swc-node/register's ES module loader
 * (`--import @swc-node/register/esm-register`, in both orders; ts-node/esm 10.9.2 does not start
 * such an app on Node 24 even without hotload). Each: a real update with live bindings whose
 * stack frames name the file, a syntax error that keeps the previous version, and its fix.
 * @swc-node/register installs from the npm registry into the test's own folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, copyFixture, edit, spawnCommand } from "../helpers/e2e.js";
import { linkModules, registryPackages, removeTsxInstalls } from "../helpers/tsx.js";

after(async () => {
  await cleanup();
  removeTsxInstalls();
});

/** `updated` lines without their time. */
const updates = (lines: readonly string[]): string[] =>
  lines.filter((line) => line.startsWith("[hotload] updated")).map((line) => line.replace(/ in [\d.]+ ms$/, ""));

const dep = (mood: string, value: string): string =>
  `export enum Mood {\n  Calm = "${mood}",\n  Loud = "loud",\n}\nexport const value: string = ${value};\nexport const where = (): string => new Error().stack!.split("\\n")[1]!.trim();\n`;

/** Runs the fixture with `flags` in `dir`: an update, a syntax error, its fix. */
async function updates3(dir: string, flags: readonly string[]): Promise<void> {
  const run = spawnCommand(process.execPath, [...flags, "app.ts"], { cwd: dir });
  try {
    await run.waitForLine("app sees dep v1 calm 2 shapes", 20_000);
    let since = run.mark();
    edit(join(dir, "dep.ts"), dep("calm22", '"dep v22"'));
    await run.waitForLine("app accepted dep v22, live dep v22 calm22", 10_000, since);
    // The new version's stack frames name the file, as a restart's would (not dep.ts?hotload=1).
    assert.match(await run.waitForLine(/^stack /, 10_000, since), /^stack at \S*where \((file:\/\/)?\/.*\/dep\.ts:\d+:\d+\)$/);
    since = run.mark();
    edit(join(dir, "dep.ts"), dep("calm3", '"dep v333" +'));
    const reported = await run.waitForLine(/dep\.ts.* keeping the previous version$/, 10_000, since);
    // At its line and column, with a code frame of the file, whichever compiler found it (swc's
    // own report is one message with Rust's backtrace).
    assert.match(reported, /\/dep\.ts:5:42 SyntaxError: \w.* — keeping the previous version$/, run.output());
    await run.waitForLine('  > 5 | export const value: string = "dep v333" +;', 10_000, since);
    since = run.mark();
    edit(join(dir, "dep.ts"), dep("calm4444", '"dep v4444"'));
    await run.waitForLine("app accepted dep v4444, live dep v4444 calm4444", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated/, 10_000, since);
    assert.deepEqual(updates(run.lines), Array(2).fill("[hotload] updated ./dep.ts → ./app.ts"), run.output());
  } finally {
    await run.kill();
  }
}

test("--experimental-transform-types: enums and namespaces update with live bindings, a syntax error keeps the previous version, its fix applies", (t) => {
  // Node 26 has no such flag ("bad option"), with or without hotload.
  if (!process.allowedNodeEnvironmentFlags.has("--experimental-transform-types"))
    return t.skip(`Node ${process.version} has no --experimental-transform-types`);
  return updates3(copyFixture("ts-setups"), ["--experimental-transform-types", "--import", "hotload"]);
});

for (const [order, flags] of Object.entries({
  "loader first": ["--import", "@swc-node/register/esm-register", "--import", "hotload"],
  "hotload first": ["--import", "hotload", "--import", "@swc-node/register/esm-register"],
})) {
  // Without a tsconfig, swc lowers `import.meta.hot?.accept(…)` for an older target:
  // `(_hot = import.meta.hot) === null || … : _hot.accept(…)`, which hotload reads too.
  test(`@swc-node/register, ${order}: an update with live bindings, a syntax error keeps the previous version, its fix applies`, async () => {
    const dir = copyFixture("ts-setups");
    linkModules(await registryPackages(["@swc-node/register@1.12.1", "@swc/core@1.16.22"]), dir);
    await updates3(dir, flags);
  });
}
