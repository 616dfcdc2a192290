/**
 * No dead export in the engine (issue 24): every name src/engine/ exports is used by another file
 * of src/, loader/ or test/ (a name a file only uses itself is not exported).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

test("every name src/engine/ exports is used by another file", () => {
  const files = [...sources("src"), ...sources("loader"), ...sources("test")];
  const text = new Map(files.map((file) => [file, readFileSync(join(root, file), "utf8")]));
  const dead: string[] = [];
  for (const file of files.filter((f) => f.startsWith("src/engine/"))) {
    const declared = /^export (?:async )?(?:function\*?|class|const|let|interface|type|enum) (\w+)/gm;
    for (const [, name] of text.get(file)!.matchAll(declared)) {
      const word = new RegExp(`\\b${name}\\b`);
      if (!files.some((other) => other !== file && word.test(text.get(other)!))) dead.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(dead, []);
});
