/**
 * The environment files of a program run without the command (src/watch/env-files.ts), with a
 * fake watch: which files are looked at, and that each change is told in one line, once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { EnvFiles } from "../../src/watch/env-files.js";
import type { TouchedBatch } from "../../src/watch/watcher.js";

const root = mkdtempSync(join(tmpdir(), "hotload-env-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

function setup(dir: string) {
  const said: string[] = [];
  const watched: string[] = [];
  let onBatch: ((batch: TouchedBatch) => Promise<void>) | undefined;
  let differs: ((file: string) => boolean) | undefined;
  const files = new EnvFiles(
    (line) => said.push(line),
    (handler, differ) => {
      onBatch = handler;
      differs = differ;
      return { add: (file) => watched.push(file) };
    },
    dir,
  );
  const touched = (...changed: string[]): Promise<void> =>
    onBatch!({ changed: changed.map((f) => join(dir, f)), deleted: [], sizes: new Map() });
  return { files, said, watched, touched, differs: (file: string) => differs!(join(dir, file)) };
}

test("--env-file's files and .env are watched, and what process.loadEnvFile() reads from then on", () => {
  const dir = mkdtempSync(join(root, "args-"));
  writeFileSync(join(dir, ".env"), "A=1\n");
  writeFileSync(join(dir, "local.env"), "B=1\n");
  writeFileSync(join(dir, "other.env"), "C=1\n");
  const { files, watched } = setup(dir);
  const undo = files.install(["--env-file=local.env", "--env-file-if-exists", "missing.env"]);
  try {
    process.loadEnvFile(pathToFileURL(join(dir, "other.env")));
    assert.deepEqual(
      watched,
      ["local.env", "missing.env", ".env", "other.env"].map((f) => join(dir, f)),
    );
  } finally {
    undo();
    delete process.env["C"];
  }
});

test("each change is told once, a save of the same content is no news, and a change after going back is", async () => {
  const dir = mkdtempSync(join(root, "changes-"));
  writeFileSync(join(dir, ".env"), "A=1\n");
  const { files, said, touched, differs } = setup(dir);
  files.read(".env");
  assert.equal(differs(".env"), false);
  writeFileSync(join(dir, ".env"), "A=22\n");
  assert.equal(differs(".env"), true);
  await touched(".env");
  await touched(".env");
  assert.equal(said.length, 1);
  assert.match(said[0]!, /\/\.env changed: the program read its environment as it started; restart needed to see it$/);
  writeFileSync(join(dir, ".env"), "A=1\n");
  await touched(".env");
  writeFileSync(join(dir, ".env"), "A=22\n");
  await touched(".env");
  unlinkSync(join(dir, ".env"));
  await touched(".env");
  assert.equal(said.length, 3);
  assert.match(said[2]!, /\/\.env was removed: /);
});
