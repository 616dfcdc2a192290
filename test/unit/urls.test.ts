import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, describe, test } from "node:test";
import {
  asWrittenUrl,
  gateUrl,
  HOT_BINDING_URL,
  isRootsUrl,
  liveImporterOf,
  liveUrl,
  rootsUrl,
  RUNTIME_SLOT,
  sourceUrlComment,
  UNRUN,
  unrunUrl,
  withoutAsWritten,
  withVersion,
} from "../../src/shared/urls.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
// Being split on its own branch (issue 11): it still spells the roots module's URL itself.
const NOT_YET = new Set<string>();

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const slot = Symbol.for(RUNTIME_SLOT);
after(() => delete (globalThis as Record<symbol, unknown>)[slot]);

describe("shared/urls.ts, the one owner of every URL hotload makes up", () => {
  test("no other file of src/ or loader/ writes a data: module, a sourceURL comment or the version query", () => {
    const written: string[] = [];
    for (const file of [...sources("src"), ...sources("loader")]) {
      if (file === "src/shared/urls.ts" || NOT_YET.has(file)) continue;
      const code = readFileSync(join(root, file), "utf8").replace(/^\s*(?:\/\/|\*|\/\*).*$/gm, "");
      for (const format of ["data:text/javascript", "sourceURL=", "hotload=", "Symbol.for(RUNTIME_SLOT"]) {
        if (format === "Symbol.for(RUNTIME_SLOT" && /^(?:src\/api\.ts|loader\/hooks\.ts)$/.test(file)) continue; // reading and filling the slot
        if (code.includes(format)) written.push(`${file}: ${format}`);
      }
    }
    assert.deepEqual(written, []);
  });

  test("the binding module calls the runtime in the global slot with the module's import.meta", async () => {
    const seen: unknown[] = [];
    (globalThis as Record<symbol, unknown>)[slot] = { hot: (meta: unknown) => (seen.push(meta), "the hot api") };
    const binding = (await import(HOT_BINDING_URL)) as { hot: (meta: unknown) => unknown };
    assert.equal(binding.hot("meta"), "the hot api");
    assert.deepEqual(seen, ["meta"]);
  });

  test("an update's gate module waits for the runtime's gate of its own update", async () => {
    let opened = (): void => {};
    const calls: number[] = [];
    (globalThis as Record<symbol, unknown>)[slot] = {
      gate: (id: number) => (calls.push(id), new Promise<void>((resolve) => (opened = resolve))),
    };
    let done = false;
    const imported = import(gateUrl(41)).then(() => (done = true));
    while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, [41]);
    assert.equal(done, false);
    opened();
    await imported;
    assert.equal(done, true);
  });

  test("the roots module imports every root together; one root is imported as itself", async () => {
    const a = `data:text/javascript,${encodeURIComponent("export const a = 1;")}`;
    const b = `data:text/javascript,${encodeURIComponent("export const b = 2;")}`;
    assert.equal(rootsUrl([a]), a);
    const both = rootsUrl([a, b]);
    assert.ok(isRootsUrl(both));
    assert.ok(!isRootsUrl(a) && !isRootsUrl(withVersion("file:///app/a.mjs", 2)));
    const namespace = (await import(both)) as { r0: { a: number }; r1: { b: number } };
    assert.deepEqual([namespace.r0.a, namespace.r1.b], [1, 2]);
  });

  test("a live-binding module's URL gives back the importer its source starts with", () => {
    const importer = 'file:///a "quoted"/app.mjs?hotload=3';
    assert.equal(liveImporterOf(liveUrl(`${JSON.stringify(importer)};export{};`)), importer);
    assert.equal(liveImporterOf("file:///app/a.mjs"), undefined);
    assert.equal(liveImporterOf(undefined), undefined);
  });

  test("an unrun module compiles what it imports and runs none of it: a syntax error rejects with Node's error, else UNRUN", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotload-unrun-"));
    writeFileSync(join(dir, "runs.mjs"), 'import "./dep.mjs"; globalThis.unrunRan = true;\n');
    writeFileSync(join(dir, "dep.mjs"), "globalThis.unrunRan = true;\n");
    writeFileSync(join(dir, "broken.mjs"), 'import "./dep.mjs";\nconst x = ;\n');
    await assert.rejects(import(unrunUrl(pathToFileURL(join(dir, "runs.mjs")).href)), (thrown) => thrown === UNRUN);
    await assert.rejects(import(unrunUrl(pathToFileURL(join(dir, "broken.mjs")).href)), {
      name: "SyntaxError",
      message: "Unexpected token ';'",
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal((globalThis as { unrunRan?: boolean }).unrunRan, undefined);
  });

  test("a module compiled again as written gets a URL Node has not cached, and an error's text names its file again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotload-as-written-"));
    writeFileSync(join(dir, "link.mjs"), 'import { missing } from "./dep.mjs";\n');
    writeFileSync(join(dir, "dep.mjs"), "export const port = 1;\n");
    const url = pathToFileURL(join(dir, "link.mjs")).href;
    for (const plain of [url, `${url}?a=1`, `${url}#top`, `${url}?a=1#top`]) {
      const again = asWrittenUrl(plain);
      assert.notEqual(again, plain);
      assert.equal(withoutAsWritten(`${again}:1\nSyntaxError`), `${plain}:1\nSyntaxError`);
    }
    // A link error's code frame is in its stack, headed by the URL the module compiled under.
    const failed = await import(asWrittenUrl(url)).then(
      () => undefined,
      (error: Error) => error,
    );
    rmSync(dir, { recursive: true, force: true });
    const stack = failed?.stack ?? "";
    assert.ok(stack.startsWith(`${asWrittenUrl(url)}:1\n`), stack);
    assert.ok(withoutAsWritten(stack).startsWith(`${url}:1\nimport { missing }`));
  });

  test("the sourceURL comment is one line of its own, with spaces and line breaks encoded", () => {
    assert.equal(sourceUrlComment("file:///my app/a\nb.mjs"), "\n//# sourceURL=file:///my%20app/a%0Ab.mjs");
  });
});
