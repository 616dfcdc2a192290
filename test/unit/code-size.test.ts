import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { parse } from "acorn";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
// Being split into parts on its own branch (issue 11); drop it from here once that lands.
const NOT_YET = new Set<string>();

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") && !NOT_YET.has(path) ? [path] : [];
  });
}

interface Node {
  readonly type: string;
  readonly loc: { readonly start: { readonly line: number }; readonly end: { readonly line: number } };
  readonly [key: string]: unknown;
}

/** Every function of `code` longer than the limit, with the line it starts on. */
function longFunctions(code: string): { line: number; lines: number }[] {
  const found: { line: number; lines: number }[] = [];
  const visit = (node: Node): void => {
    if (/^(?:FunctionDeclaration|FunctionExpression|ArrowFunctionExpression)$/.test(node.type)) {
      const lines = node.loc.end.line - node.loc.start.line + 1;
      if (lines > MAX_FUNCTION_LINES) found.push({ line: node.loc.start.line, lines });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc") continue;
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child !== null && typeof child === "object" && typeof (child as Node).type === "string") visit(child as Node);
      }
    }
  };
  // Type stripping keeps every line where it was.
  const js = stripTypeScriptTypes(code, { mode: "strip" });
  visit(parse(js, { ecmaVersion: "latest", sourceType: "module", locations: true }) as unknown as Node);
  return found;
}

describe("code size (issue 11: a newcomer reads one concept per file)", () => {
  const files = [...sources("src"), ...sources("loader")];

  test(`no file in src/ or loader/ is over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((file) => ({ file, lines: readFileSync(join(root, file), "utf8").split("\n").length - 1 })).filter(({ lines }) => lines > MAX_FILE_LINES);
    assert.deepEqual(long, []);
  });

  test(`a function over ${MAX_FUNCTION_LINES} lines says why in the comment above it`, () => {
    const unexplained: string[] = [];
    for (const file of files) {
      const code = readFileSync(join(root, file), "utf8");
      const lines = code.split("\n");
      for (const { line, lines: length } of longFunctions(code)) {
        // The comment block right above the function (or above the statement it is part of).
        let at = line - 2;
        while (at >= 0 && /^\s*(?:\/\/|\/?\*)/.test(lines[at]!) === false && at > line - 4) at--;
        const comment: string[] = [];
        while (at >= 0 && /^\s*(?:\/\/|\/?\*)/.test(lines[at]!)) comment.unshift(lines[at--]!);
        if (!/80 lines/.test(comment.join("\n"))) unexplained.push(`${relative(root, join(root, file))}:${line} (${length} lines)`);
      }
    }
    assert.deepEqual(unexplained, []);
  });

  test("the check finds a long function", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i}: number = ${i};`).join("\n");
    assert.deepEqual(longFunctions(`export function long(): void {\n${body}\n}\n`), [{ line: 1, lines: MAX_FUNCTION_LINES + 2 }]);
  });
});
