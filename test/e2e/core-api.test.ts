/**
 * The programmatic API `hotload/api` (spec point 9), driven through the stdin commands of
 * fixtures/core-api/app.mjs (graph, update FILE, write FILE JSON, off):
 *   app.mjs (accepts ./mid.mjs and ./declining.mjs) → mid.mjs → dep.mjs
 *           → lonely.mjs (nothing accepts it), → declining.mjs (declines), → self.mjs (accepts itself)
 */
import assert from "node:assert/strict";
import { realpathSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { cleanup, copyFixture, edit, spawnHot, type Running, type PrintedUpdate } from "../helpers/e2e.js";

after(cleanup);

/** An UpdateResult as app.mjs prints it. */
type UpdateResult = PrintedUpdate;

/** One module of a graph() snapshot. */
interface GraphModule {
  file: string;
  url: string;
  version: number;
  imports: string[];
  importers: string[];
  acceptsSelf: boolean;
  acceptsDeps: string[];
  declined: boolean;
}

describe("hotload/api", () => {
  let dir = "";
  let run: Running;
  const file = (name: string): string => join(dir, name);

  /** Sends one command line and returns the JSON after `prefix` in the line it prints. */
  const command = async <T>(line: string, prefix: string): Promise<T> => {
    const since = run.mark();
    run.child.stdin!.write(`${line}\n`);
    const printed = await run.waitForLine(new RegExp(`^(${prefix}|command \\S+ threw|unknown command)`), 10_000, since);
    assert.ok(printed.startsWith(prefix), printed);
    return JSON.parse(printed.slice(prefix.length)) as T;
  };
  /** update([name]) right after writing `text` into it, before the watcher can see the change. */
  const write = (name: string, text: string): Promise<UpdateResult> =>
    command<UpdateResult>(`write ${name} ${JSON.stringify(text)}`, "update result ");

  before(async () => {
    dir = realpathSync(copyFixture("core-api"));
    run = spawnHot(file("app.mjs"), { stdin: true });
    await run.waitForLine("app ready");
  });

  test("hot(import.meta) returns the same object as import.meta.hot", () => {
    assert.ok(run.lines.includes("hot(import.meta) is import.meta.hot: true"), run.output());
  });

  test("update(files) applies a change and resolves with the files, the modules re-evaluated in order, and the boundaries", async () => {
    const since = run.mark();
    const result = await write("dep.mjs", "export const n = 2;\nconsole.log(`dep v${n} evaluated`);\n");
    assert.equal(result.status, "updated", JSON.stringify(result));
    assert.deepEqual(result.files, [file("dep.mjs")]);
    assert.deepEqual(result.reevaluated, [file("dep.mjs"), file("mid.mjs")]);
    assert.deepEqual(result.boundaries, [file("app.mjs")]);
    assert.equal(result.error, undefined);
    assert.ok(typeof result.durationMs === "number" && result.durationMs >= 0, JSON.stringify(result));
    assert.ok(run.lines.slice(since).includes("app accepted mid, value=20"), run.output());
  });

  test("update(files) resolves unchanged for a file whose content is already running", async () => {
    const result = await command<UpdateResult>("update dep.mjs", "update result ");
    assert.equal(result.status, "unchanged", JSON.stringify(result));
    assert.deepEqual(result.files, [file("dep.mjs")]);
  });

  test("update(files) takes a file: URL string of a loaded module as its path", async () => {
    const result = await command<UpdateResult>(
      `url dep.mjs ${JSON.stringify("export const n = 3;\nconsole.log(`dep v${n} evaluated`);\n")}`,
      "update result ",
    );
    assert.equal(result.status, "updated", JSON.stringify(result));
    assert.deepEqual(result.files, [file("dep.mjs")]);
  });

  test("update(files) rejects with a HotloadError (the class hotload/api exports) for a file that holds no module of the program, and for a missing file", async () => {
    writeFileSync(file("notes.txt"), "not a module\n");
    for (const [name, code] of [
      ["notes.txt", "not-a-project-module"],
      ["gone.mjs", "file-missing"],
    ] as const) {
      const since = run.mark();
      run.child.stdin!.write(`update ${name}\n`);
      const printed = await run.waitForLine(/^(update result|command update threw)/, 10_000, since);
      assert.match(
        printed,
        new RegExp(`^command update threw ${code} \\(a HotloadError\\): HotloadError: \\[hotload\\] update: .*${name.replace(".", "\\.")}`),
        run.output(),
      );
    }
  });

  test("update(files) resolves unaccepted for a change nothing accepts", async () => {
    const result = await write("lonely.mjs", "// Nothing accepts this module, nor any of its importers.\nexport const n = 2;\n");
    assert.equal(result.status, "unaccepted", JSON.stringify(result));
    assert.deepEqual(result.files, [file("lonely.mjs")]);
  });

  test("update(files) resolves declined for a change of a module that declined updates", async () => {
    const result = await write("declining.mjs", "export const n = 2;\nimport.meta.hot.decline();\n");
    assert.equal(result.status, "declined", JSON.stringify(result));
    assert.deepEqual(result.files, [file("declining.mjs")]);
  });

  test("update(files) resolves failed, with the error, for a change that does not evaluate", async () => {
    const failed = await write("mid.mjs", 'import { n } from "./dep.mjs";\n\nexport const value = n * ;\n');
    assert.equal(failed.status, "failed", JSON.stringify(failed));
    assert.ok(failed.error, `a failed result carries its error: ${JSON.stringify(failed)}`);
    const fixed = await write("mid.mjs", 'import { n } from "./dep.mjs";\n\nexport const value = n * 100;\n');
    assert.equal(fixed.status, "updated", JSON.stringify(fixed));
  });

  test("an update lists the files whose content changed, not files merely touched with them", async () => {
    const since = run.mark();
    const now = new Date();
    utimesSync(file("self.mjs"), now, now);
    edit(file("dep.mjs"), "export const n = 5;\n// five\n");
    const line = await run.waitForLine(/^update event .*"status":"updated"/, 10_000, since);
    const result = JSON.parse(line.slice("update event ".length)) as UpdateResult;
    assert.deepEqual(result.files, [file("dep.mjs")], line);
  });

  test('on("update") reports updates from the watcher and from update(), and its unsubscribe function stops it', async () => {
    const events = (from: number): UpdateResult[] =>
      run.lines
        .slice(from)
        .filter((line) => line.startsWith("update event "))
        .map((line) => JSON.parse(line.slice("update event ".length)) as UpdateResult);
    // The update() of dep.mjs above: the watcher only saw that content once it was running.
    assert.ok(
      events(0).some((e) => e.status === "updated" && e.files[0] === file("dep.mjs") && e.reevaluated.length === 2),
      run.output(),
    );

    let since = run.mark();
    edit(file("dep.mjs"), "export const n = 3;\n");
    await run.waitForLine(/^update event .*"status":"updated"/, 10_000, since);
    assert.ok(
      events(since)
        .find((e) => e.status === "updated")
        ?.files.includes(file("dep.mjs")),
      run.output(),
    );

    since = run.mark();
    run.child.stdin!.write("off\n");
    await run.waitForLine("unsubscribed", 10_000, since);
    assert.equal((await write("dep.mjs", "export const n = 4;\n// four\n")).status, "updated");
    edit(file("self.mjs"), "export const n = 22;\nimport.meta.hot.accept();\n");
    await run.waitForLine(/^\[hotload\] updated \.\/self\.mjs/, 10_000, since);
    // Queued after the watcher's update, so its printed result comes after any event of that update.
    assert.equal((await command<UpdateResult>("update self.mjs", "update result ")).status, "unchanged");
    assert.deepEqual(events(since), [], run.output());
  });

  test("graph() lists every hot module with its URL, version, imports, importers and what it accepts or declines", async () => {
    const { modules } = await command<{ modules: GraphModule[] }>("graph", "graph ");
    const byFile = new Map(modules.map((m) => [m.file, m]));
    const get = (name: string): GraphModule => {
      const found = byFile.get(file(name));
      assert.ok(found, `${name} missing from graph(): ${JSON.stringify(modules, null, 2)}`);
      return found;
    };
    const fixture = (files: string[]): string[] => files.filter((f) => f.startsWith(`${dir}/`)).sort();

    const app = get("app.mjs");
    assert.deepEqual(fixture(app.imports), ["declining.mjs", "lonely.mjs", "mid.mjs", "self.mjs"].map(file));
    assert.deepEqual(app.importers, []);
    assert.deepEqual([...app.acceptsDeps].sort(), ["declining.mjs", "mid.mjs"].map(file));
    assert.equal(app.acceptsSelf, false);
    assert.equal(app.declined, false);
    assert.deepEqual(get("mid.mjs").imports, [file("dep.mjs")]);
    assert.deepEqual(get("mid.mjs").importers, [file("app.mjs")]);
    assert.deepEqual(get("dep.mjs").importers, [file("mid.mjs")]);
    assert.equal(get("self.mjs").acceptsSelf, true);
    assert.equal(get("declining.mjs").declined, true);
    assert.equal(get("lonely.mjs").acceptsSelf, false);

    // Versions: the entry never reloaded, dep.mjs did (four times), lonely.mjs's change was not applied.
    const url = (name: string): string => pathToFileURL(file(name)).href;
    assert.equal(app.version, 0);
    assert.equal(app.url, url("app.mjs"));
    assert.equal(get("lonely.mjs").version, 0);
    const dep = get("dep.mjs");
    assert.ok(dep.version >= 4, `dep.mjs version ${dep.version}`);
    // The spec leaves open whether `url` is the module's identity or the URL of its current version.
    assert.ok([url("dep.mjs"), `${url("dep.mjs")}?hotload=${dep.version}`].includes(dep.url), dep.url);

    // Every edge is recorded from both ends.
    for (const m of modules) {
      for (const imported of m.imports) {
        const target = byFile.get(imported);
        if (target) assert.ok(target.importers.includes(m.file), `${imported} should list ${m.file} as importer`);
      }
      for (const importer of m.importers) {
        assert.ok(byFile.get(importer)?.imports.includes(m.file), `${importer} should list ${m.file} as import`);
      }
    }
  });
});
