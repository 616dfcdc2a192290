/**
 * TypeScript through tsx (issue 4): `node --enable-source-maps --import tsx --import hotload app.ts`
 * on fixtures/real-tsx, and the same app under the `hotload` command. tsx is registered first, so
 * hotload's hooks run outermost and see the JavaScript tsx produced.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CLI, cleanup, copyFixture, edit, replaceIn, ROOT, spawnCli, spawnHot, type Running } from "../helpers/e2e.js";

after(cleanup);

/** A copy of fixtures/real-tsx whose node_modules has tsx (and hotload). */
function tsxApp(): string {
  const dir = copyFixture("real-tsx");
  // In place, the repository's package.json makes the fixture's .ts files ES modules.
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, "node_modules/tsx"), join(dir, "node_modules/tsx"), "dir");
  return dir;
}

/** `file:line:column` of the first `new Error` in `file` as it is on disk now. */
function throwSite(file: string, name: string): string {
  const lines = readFileSync(file, "utf8").split("\n");
  const index = lines.findIndex((line) => line.includes("throw new Error"));
  assert.ok(index >= 0, `no throw in ${file}`);
  return `${name}:${index + 1}:${lines[index]!.indexOf("new Error") + 1}`;
}

describe("TypeScript through tsx", () => {
  let dir = "";
  let run: Running;

  before(async () => {
    dir = tsxApp();
    run = spawnHot(join(dir, "app.ts"), { nodeArgs: ["--enable-source-maps", "--import", "tsx"] });
    await run.waitForLine("app ready");
  });

  test("extensionless imports, tsconfig paths, enums and decorators compile through tsx", () => {
    assert.ok(run.lines.includes("app says [hello you] (calm), HEY"), run.output());
  });

  test("a module imported without its extension is hot, enum and decorator included", async () => {
    const since = run.mark();
    // One save with both edits: a second save right after it could land as the update loads the
    // first, and under tsx (whose output never equals the file) a load within the clock's margin
    // of a save counts as not known, so it is looked at again: an extra update the next test sees.
    edit(join(dir, "src/greet.ts"), (text) =>
      text.replace("mood: Mood = Mood.Calm", "mood: Mood = Mood.Loud").replace("return `hello ${name}`", "return `hi there ${name}`"),
    );
    await run.waitForLine("app accepted greet: [hi there you] (loud)", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/src\/greet\.ts → \.\/app\.ts/, 10_000, since);
  });

  test("a .ts file saved unchanged (touched) is no update, though tsx's output never equals the file", async () => {
    const since = run.mark();
    const now = new Date();
    utimesSync(join(dir, "app.ts"), now, now);
    utimesSync(join(dir, "src/greet.ts"), now, now);
    // A real edit after the touches: once it applied, the touches were looked at (one batch or before).
    replaceIn(join(dir, "src/lib/shout.ts"), "text.toUpperCase()", "`${text.toUpperCase()}?`");
    await run.waitForLine("app accepted shout: HEY?", 10_000, since);
    await run.waitForLine(/^\[hotload\] updated \.\/src\/lib\/shout\.ts/, 10_000, since);
    const updates = run.lines.slice(since).filter((line) => line.startsWith("[hotload] "));
    assert.deepEqual(
      updates.map((line) => line.replace(/ in [\d.]+ ms$/, "")),
      ["[hotload] updated ./src/lib/shout.ts → ./app.ts"],
      run.output(),
    );
    replaceIn(join(dir, "src/lib/shout.ts"), "`${text.toUpperCase()}?`", "text.toUpperCase()");
    await run.waitForLine("app accepted shout: HEY", 10_000, since);
  });

  test("a module imported through a tsconfig paths alias is hot", async () => {
    const since = run.mark();
    replaceIn(join(dir, "src/lib/shout.ts"), "text.toUpperCase()", "`${text.toUpperCase()}!`");
    await run.waitForLine("app accepted shout: HEY!", 10_000, since);
  });

  test("a stack trace through tsx's source maps points at the .ts line and column of the throw, before and after an update moves it", async () => {
    const file = join(dir, "src/fail.ts");
    assert.ok(run.lines.includes(`frame ${throwSite(file, "fail.ts")}`), `expected frame ${throwSite(file, "fail.ts")}\n${run.output()}`);
    const since = run.mark();
    replaceIn(file, "): never {\n", "): never {\n  // the throw moves down a line\n");
    await run.waitForLine(`frame ${throwSite(file, "fail.ts")}`, 10_000, since);
  });

  test("a stack frame in a module that uses import.meta.hot maps to its .ts line too", () => {
    const app = readFileSync(join(dir, "app.ts"), "utf8").split("\n");
    const line = app.findIndex((text) => text.includes('new Error("here")')) + 1;
    assert.ok(run.lines.includes(`app frame app.ts:${line}`), `expected app frame app.ts:${line}\n${run.output()}`);
  });
  test("new code that throws is reported with a code frame of the .ts file as saved, not of tsx's output, and the fix applies", async () => {
    const file = join(dir, "src/greet.ts");
    const before = readFileSync(file, "utf8");
    let since = run.mark();
    writeFileSync(file, `${before}(null as unknown as { boom: number }).boom;\n`);
    const line = before.split("\n").length;
    await run.waitForLine(new RegExp(`greet\\.ts:${line}:\\d+ TypeError: .* — rolled back`), 10_000, since);
    await run.waitForLine(`  > ${line} | (null as unknown as { boom: number }).boom;`, 10_000, since);
    assert.ok(!run.lines.slice(since).some((text) => text.includes("sourceMappingURL")), run.output());
    since = run.mark();
    writeFileSync(file, `${before}// fixed\n`);
    await run.waitForLine(/^\[hotload\] updated \.\/src\/greet\.ts/, 10_000, since);
  });
});

describe("the hotload command with tsx", () => {
  test(
    "hotload --import tsx app.ts runs the app with tsx before hotload, and updates it in place",
    { skip: existsSync(CLI) ? false : "dist/src/cli.js is not built" },
    async () => {
      const dir = tsxApp();
      const run = spawnCli(["--import", "tsx", "app.ts"], { cwd: dir });
      await run.waitForLine("app ready");
      assert.ok(run.lines.includes("app says [hello you] (calm), HEY"), run.output());
      const since = run.mark();
      replaceIn(join(dir, "src/lib/shout.ts"), "text.toUpperCase()", "text.toLowerCase()");
      await run.waitForLine("app accepted shout: hey", 10_000, since);
      await run.kill();
    },
  );
});
