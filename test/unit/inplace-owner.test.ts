import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { ownerFinder } from "../../src/inplace/owner.js";
import { inPlaceEnabled } from "../../src/inplace/inplace.js";
import { readEnv } from "../../src/shared/env.js";
import { Resources } from "../../src/inplace/resources.js";

const dir = mkdtempSync(join(tmpdir(), "hotload-owner-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = pathToFileURL(dir).href;
const scope = {
  isHot: (url: string) => url.startsWith(base) && !url.includes("/node_modules/"),
  isOwn: (url: string) => url.startsWith(`${base}/own/`),
};

describe("ownerFinder", () => {
  test("names the innermost project module on the stack, without its version, for ES modules and CommonJS", async () => {
    const ownerOf = ownerFinder(scope).owner;
    writeFileSync(join(dir, "lib.mjs"), "export const who = (f) => f();\n");
    writeFileSync(join(dir, "lib.cjs"), "exports.who = (f) => f();\n");
    const esm = (await import(`${base}/lib.mjs?hotload=4`)) as { who: (f: () => unknown) => unknown };
    assert.equal(esm.who(ownerOf), `${base}/lib.mjs`);
    const cjs = createRequire(import.meta.url)(join(dir, "lib.cjs")) as { who: (f: () => unknown) => unknown };
    assert.equal(cjs.who(ownerOf), `${base}/lib.cjs`);
  });

  test("package frames are passed through to the project caller; hotload's own code ends the search", async () => {
    const { owner: ownerOf, caller: callerOf } = ownerFinder(scope);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "node_modules", "pkg"), { recursive: true });
    mkdirSync(join(dir, "own"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "pkg", "index.mjs"), "export const call = (f) => f();\n");
    writeFileSync(join(dir, "own", "later.mjs"), "export const call = (f) => f();\n");
    writeFileSync(
      join(dir, "app.mjs"),
      `import { call } from "./node_modules/pkg/index.mjs"; import * as own from "./own/later.mjs";\nexport const viaPackage = (f) => call(f);\nexport const viaOwn = (f) => own.call(f);\n`,
    );
    const app = (await import(`${base}/app.mjs`)) as { viaPackage: (f: () => unknown) => unknown; viaOwn: (f: () => unknown) => unknown };
    assert.equal(app.viaPackage(ownerOf), `${base}/app.mjs`);
    assert.equal(app.viaOwn(ownerOf), undefined);
    // What a package registers on process is the package's, whoever called it.
    assert.equal(app.viaPackage(callerOf), undefined);
  });

  test("what a module's evaluation sets up is its own, through a kept helper and after a top-level await; a callback's is the module that defines it", async () => {
    const { owner: ownerOf, caller: callerOf, evaluating } = ownerFinder(scope);
    const seen: Record<string, unknown> = {};
    const slot = Symbol.for("hotload.test.owner");
    // The helper calls the finders itself, as a wrapped setInterval or listen() would be called.
    (globalThis as Record<symbol, unknown>)[slot] = { ownerOf, callerOf, evaluating, seen };
    const start =
      "(name) => { const t = globalThis[Symbol.for('hotload.test.owner')]; t.seen[name] = { owner: t.ownerOf(), caller: t.callerOf(), evaluating: t.evaluating() }; }";
    try {
      writeFileSync(join(dir, "helper.mjs"), `export const start = ${start};\n`);
      writeFileSync(join(dir, "helper.cjs"), `exports.start = ${start};\n`);
      writeFileSync(
        join(dir, "entry.mjs"),
        "import { start } from './helper.mjs';\nimport { createRequire } from 'node:module';\n" +
          "start('body');\nawait null;\nstart('awaited');\ncreateRequire(import.meta.url)('./required.cjs');\n" +
          "export const later = () => new Promise((resolve) => setTimeout(() => resolve(start('callback')), 1));\n",
      );
      writeFileSync(join(dir, "required.cjs"), "require('./helper.cjs').start('required');\n");
      const entry = (await import(`${base}/entry.mjs?hotload=2`)) as { later: () => Promise<void> };
      await entry.later();
      const mine = (id: string, evaluation: boolean) => ({
        owner: `${base}/${id}`,
        caller: `${base}/${id}`,
        evaluating: evaluation ? `${base}/${id}` : undefined,
      });
      assert.deepEqual(seen, {
        body: mine("entry.mjs", true),
        awaited: mine("entry.mjs", true),
        // A CommonJS module required as another evaluates: the innermost module body is its own.
        required: mine("required.cjs", true),
        callback: mine("entry.mjs", false),
      });
    } finally {
      delete (globalThis as Record<symbol, unknown>)[slot];
    }
  });

  test("a child process is the evaluating module's when it calls Node, not when a package does (esbuild's service)", async () => {
    const { evaluating } = ownerFinder(scope);
    const slot = Symbol.for("hotload.test.evaluating");
    const seen: Record<string, unknown> = {};
    (globalThis as Record<symbol, unknown>)[slot] = { evaluating, seen };
    try {
      const { mkdirSync } = await import("node:fs");
      mkdirSync(join(dir, "node_modules", "service"), { recursive: true });
      const record = "(name) => { const t = globalThis[Symbol.for('hotload.test.evaluating')]; t.seen[name] = t.evaluating(); }";
      writeFileSync(join(dir, "node_modules", "service", "index.mjs"), `export const start = ${record};\n`);
      writeFileSync(
        join(dir, "forks.mjs"),
        `import { start } from './node_modules/service/index.mjs';\nconst mine = ${record};\nmine('project');\nstart('package');\n`,
      );
      await import(`${base}/forks.mjs`);
      assert.deepEqual(seen, { project: `${base}/forks.mjs`, package: undefined });
    } finally {
      delete (globalThis as Record<symbol, unknown>)[slot];
    }
  });

  test("code outside the project belongs to nobody", () => {
    assert.equal(ownerFinder(scope).owner(), undefined);
    assert.equal(ownerFinder(scope).caller(), undefined);
  });

  test("timers and process listeners belong to the module that makes them, once() included; a package's are the package's", async () => {
    const resources = new Resources(ownerFinder(scope));
    const uninstall = resources.install();
    try {
      const { mkdirSync } = await import("node:fs");
      mkdirSync(join(dir, "node_modules", "exit-pkg"), { recursive: true });
      writeFileSync(
        join(dir, "node_modules", "exit-pkg", "index.mjs"),
        "export const onExit = (f) => process.on('SIGUSR2', f);\nexport const clock = () => setInterval(() => {}, 1000);\n",
      );
      writeFileSync(
        join(dir, "signals.mjs"),
        "import { onExit, clock } from './node_modules/exit-pkg/index.mjs';\nexport const mine = () => {};\nexport const theirs = () => {};\nprocess.once('SIGUSR2', mine);\nonExit(theirs);\nexport const timers = [setInterval(mine, 1000), clock()];\n",
      );
      const before = process.listenerCount("SIGUSR2");
      const mod = (await import(`${base}/signals.mjs`)) as { theirs: () => void; timers: NodeJS.Timeout[] };
      assert.equal(process.listenerCount("SIGUSR2"), before + 2);
      assert.equal(resources.release(`${base}/signals.mjs`), 2);
      const [mine, theirs] = mod.timers.map((t) => (t as unknown as { _destroyed: boolean })._destroyed);
      assert.deepEqual([mine, theirs], [true, false]);
      clearInterval(mod.timers[1]);
      assert.equal(process.listenerCount("SIGUSR2"), before + 1);
      assert.ok(process.listeners("SIGUSR2").includes(mod.theirs));
      process.removeListener("SIGUSR2", mod.theirs);
    } finally {
      uninstall();
    }
  });
});

describe("inPlaceEnabled", () => {
  test("on unless HOTLOAD_IN_PLACE turns it off", () => {
    assert.equal(inPlaceEnabled(readEnv({})), true);
    assert.equal(inPlaceEnabled(readEnv({ HOTLOAD_IN_PLACE: "1" })), true);
    for (const off of ["0", "false", "off", "no", " OFF "]) assert.equal(inPlaceEnabled(readEnv({ HOTLOAD_IN_PLACE: off })), false, off);
  });
});
