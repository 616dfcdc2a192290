/**
 * Types (issues 4 and 14): fixtures/real-types uses every member of import.meta.hot, module.hot (in
 * a .cts file) and every export of hotload/api, with `/// <reference types="hotload/client" />`;
 * the typed accept example of docs/typescript-and-formats.md compiles beside its routes.ts.
 * tsc must accept it, and must reject the misuses in fixtures/real-types/misuse/bad.ts (which
 * proves the checks are real). Needs the built declarations in dist/ (npm run build).
 */
import assert from "node:assert/strict";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cleanup, copyFixture, ROOT, spawnCommand } from "../helpers/e2e.js";

after(cleanup);

const TSC = join(ROOT, "node_modules/.bin/tsc");

/** Runs `tsc --noEmit -p <project>` in `cwd`; resolves with its exit code and output lines. */
async function tsc(cwd: string, project: string): Promise<{ exit: number | string; lines: string[] }> {
  // Through this Node, not whatever `node` the PATH holds.
  const run = spawnCommand(process.execPath, [TSC, "--noEmit", "--pretty", "false", "-p", project], { cwd });
  const exit = await run.exited;
  return { exit, lines: run.lines.filter((line) => line.trim() !== "") };
}

describe("hotload's types", () => {
  let dir = "";

  before(() => {
    // copyFixture links node_modules/hotload to this repository, as an installed package would be;
    // the fixture also needs @types/node, and the "type": "module" the repository gives it in place.
    dir = copyFixture("real-types");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, "node_modules/@types"), join(dir, "node_modules/@types"), "dir");
  });

  test("a TypeScript project using every member of import.meta.hot, module.hot and hotload/api type-checks with zero errors", async () => {
    const { exit, lines } = await tsc(dir, ".");
    assert.deepEqual(lines, []);
    assert.equal(exit, 0);
  });

  test("misuses of import.meta.hot are type errors: a wrong accept() argument, a possibly undefined hot, an unknown event, a dispose() that is not a function, a typed accept callback calling its module wrongly, acceptExports() of numbers", async () => {
    const { exit, lines } = await tsc(dir, "misuse");
    assert.notEqual(exit, 0, lines.join("\n"));
    const errors = lines.filter((line) => / error TS\d+:/.test(line));
    const at = errors.map((line) => /^misuse\/bad\.ts\((\d+),\d+\)/.exec(line)?.[1]);
    // One error per misuse, on lines 3 to 8 of bad.ts, and nothing else.
    assert.deepEqual(at, ["3", "4", "5", "6", "7", "8"], lines.join("\n"));
  });

  test("the typed accept example of docs/typescript-and-formats.md (server.ts) compiles with strict", async () => {
    // The block as a user copies it, next to the fixture's routes.ts.
    const doc = readFileSync(join(ROOT, "docs", "typescript-and-formats.md"), "utf8");
    const block = /```ts\n(\/\/ server\.ts\n[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(
      block?.includes('accept<typeof import("./routes.ts")>'),
      "docs/typescript-and-formats.md has no ```ts block starting // server.ts with a typed accept",
    );
    writeFileSync(join(dir, "readme-server.ts"), block!);
    writeFileSync(join(dir, "tsconfig.readme.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["readme-server.ts"] }));
    const { exit, lines } = await tsc(dir, "tsconfig.readme.json");
    assert.deepEqual(lines, []);
    assert.equal(exit, 0);
  });
});
