/**
 * Code size (issue 11: a newcomer reads one concept per file; issue 24: measured so that a
 * formatter cannot change it). Sizes count tokens: words, literals and operators, without comments
 * and without the commas, semicolons and parentheses a formatter adds or drops. Where a formatter
 * breaks a line, the count stays. The limits are today's largest file and function, rounded up.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { parse } from "acorn";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/** About 400 lines of this code (7.5 tokens a line in the densest file). */
const MAX_FILE_TOKENS = 3000;
/** About 80 lines; a longer function says why ("on purpose") in the comment above it. */
const MAX_FUNCTION_TOKENS = 600;
/** About 40 lines: a file this small that one other file imports is half of that file's concept. */
const SLIVER_TOKENS = 160;

/** Slivers kept, each with the reason it is a file of its own. */
const SLIVERS: Record<string, string> = {
  "loader/files-only.ts": "the whole loader under --no-hot: loaded instead of the hooks, never beside them",
  "loader/engine.ts": "the engine's bundle entry: loaded after start-up (lazy-engine.ts), never in the hooks' bundle",
  "src/source/typescript.ts": "Node's type stripper; its one user is the engine (left to the engine's branch)",
  // Left to the engine's own branch (issue 24 items 1 and 2 reshape these files).
  "src/engine/update/update-modules.ts": "the update path's lazily loaded chunk",
  "src/engine/update/effects.ts":
    "the engine's real effects (Node, the file system, chokidar), apart from the runtime that unit tests build with fakes",
};

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const TOKEN = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\[\s\S]|[^`\\])*`|[\w$]+|[^\s\w$,;()]/g;

/** The size of `code`: its tokens, without comments, commas, semicolons and parentheses. */
function tokens(code: string): number {
  return (code.match(TOKEN) ?? []).filter((token) => !token.startsWith("//") && !token.startsWith("/*")).length;
}

interface Node {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly loc: { readonly start: { readonly line: number } };
  readonly [key: string]: unknown;
}

/** Every function of `code` over the limit, with the line it starts on and its size. */
function largeFunctions(code: string): { line: number; tokens: number }[] {
  const found: { line: number; tokens: number }[] = [];
  const visit = (node: Node): void => {
    if (/^(?:FunctionDeclaration|FunctionExpression|ArrowFunctionExpression)$/.test(node.type)) {
      const size = tokens(code.slice(node.start, node.end));
      if (size > MAX_FUNCTION_TOKENS) found.push({ line: node.loc.start.line, tokens: size });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc") continue;
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child !== null && typeof child === "object" && typeof (child as Node).type === "string") visit(child as Node);
      }
    }
  };
  // Type stripping keeps every character where it was: offsets into the JavaScript are offsets into `code`.
  const js = stripTypeScriptTypes(code, { mode: "strip" });
  visit(parse(js, { ecmaVersion: "latest", sourceType: "module", locations: true }) as unknown as Node);
  return found;
}

/** The files of src/ or loader/ that `code` (the file `file`) imports. */
function importsOf(file: string, code: string): string[] {
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\b[^;"']*?\bfrom\s*["'](\.[^"']+)["']|\bimport\(\s*["'](\.[^"']+)["']\s*\)/gm),
  ];
  return specifiers.map((m) => normalize(join(dirname(file), (m[1] ?? m[2])!)).replace(/\.js$/, ".ts"));
}

describe("code size", () => {
  const files = [...sources("src"), ...sources("loader")];
  const text = new Map(files.map((file) => [file, readFileSync(join(root, file), "utf8")]));

  test(`no file in src/ or loader/ is over ${MAX_FILE_TOKENS} tokens`, () => {
    const large = files.map((file) => ({ file, tokens: tokens(text.get(file)!) })).filter(({ tokens }) => tokens > MAX_FILE_TOKENS);
    assert.deepEqual(large, []);
  });

  test(`a function over ${MAX_FUNCTION_TOKENS} tokens says why ("on purpose") in the comment above it`, () => {
    const unexplained: string[] = [];
    for (const file of files) {
      const lines = text.get(file)!.split("\n");
      for (const { line, tokens: size } of largeFunctions(text.get(file)!)) {
        // The comment block right above the function (or above the statement it is part of).
        let at = line - 2;
        while (at >= 0 && /^\s*(?:\/\/|\/?\*)/.test(lines[at]!) === false && at > line - 4) at--;
        const comment: string[] = [];
        while (at >= 0 && /^\s*(?:\/\/|\/?\*)/.test(lines[at]!)) comment.unshift(lines[at--]!);
        if (!/on purpose/.test(comment.join("\n"))) unexplained.push(`${file}:${line} (${size} tokens)`);
      }
    }
    assert.deepEqual(unexplained, []);
  });

  test(`no file of src/ or loader/ under ${SLIVER_TOKENS} tokens is imported by one other file only`, () => {
    const graph = new Map(files.map((file) => [file, importsOf(file, text.get(file)!)]));
    const slivers = files.filter(
      (file) => tokens(text.get(file)!) < SLIVER_TOKENS && files.filter((other) => graph.get(other)!.includes(file)).length === 1,
    );
    assert.deepEqual(
      slivers.filter((file) => !(file in SLIVERS)),
      [],
    );
    assert.deepEqual(
      Object.keys(SLIVERS).filter((file) => !files.includes(file)),
      [],
      "kept slivers that no longer exist",
    );
  });

  test("the size of code does not change with its line breaks, quotes, commas or comments", () => {
    const written = "export function f(a: number, b = 'x'): string { // why\n  return a > 1 ? `${b}!` : g(a, b);\n}\n";
    const formatted =
      'export function f(\n  a: number,\n  b = "x",\n): string {\n  /* why */\n  return a > 1\n    ? `${b}!`\n    : g(a, b);\n}\n';
    assert.equal(tokens(written), tokens(formatted));
    assert.equal(tokens(written), 23);
  });

  test("the check finds a large function", () => {
    // Six tokens a line (`const`, the name, `:`, `number`, `=`, the value), six more around them.
    const body = Array.from({ length: MAX_FUNCTION_TOKENS / 6 }, (_, i) => `  const v${i}: number = ${i};`).join("\n");
    assert.deepEqual(largeFunctions(`export function long(): void {\n${body}\n}\n`), [{ line: 1, tokens: MAX_FUNCTION_TOKENS + 6 }]);
  });
});
