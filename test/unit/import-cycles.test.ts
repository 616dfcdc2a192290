/**
 * No import cycle in src/ or loader/ (issue 24): a reader follows imports one way, from the entry
 * down, and a module's top level never runs before what it imports. Type-only imports count too:
 * two files that need each other's shapes are one concept split in two, or a shape without a home.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** The files of the repository that `code` (the file `file`) imports: static, type-only and dynamic. */
function importsOf(file: string, code: string): string[] {
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1]!);
  return specifiers
    .filter((s) => s.startsWith("./") || s.startsWith("../"))
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, ".ts"));
}

/** Every cycle of `graph`, each once, as the files along it (the first repeated at the end). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      cycles.push([...path.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return cycles;
}

describe("import cycles", () => {
  test("cyclesOf finds a cycle through type-only and dynamic imports alike, and none in a tree", () => {
    const a = 'import type { B } from "./b.js";\nexport const a = 1;\n';
    const b = '/** x */\nexport async function b() { return import("./c.js"); }\n';
    const c = 'import {\n  a,\n} from "./a.js";\nimport "../side.js";\n';
    const graph = new Map([
      ["src/a.ts", importsOf("src/a.ts", a)],
      ["src/b.ts", importsOf("src/b.ts", b)],
      ["src/c.ts", importsOf("src/c.ts", c)],
    ]);
    assert.deepEqual(graph.get("src/c.ts"), ["src/a.ts", "side.ts"]);
    assert.deepEqual(cyclesOf(graph), [["src/a.ts", "src/b.ts", "src/c.ts", "src/a.ts"]]);
    graph.set("src/c.ts", []);
    assert.deepEqual(cyclesOf(graph), []);
  });

  test("no module of src/ or loader/ imports itself through others", () => {
    const files = [...sources("src"), ...sources("loader")];
    assert.ok(files.length > 50, `only ${files.length} files found: has the layout changed?`);
    const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(join(root, file), "utf8"))]));
    assert.deepEqual(cyclesOf(graph), []);
  });
});
