/**
 * Where a TypeScript syntax error is, from Node's type stripper or from tsx's esbuild. The stripper (amaro) throws a SyntaxError
 * (ERR_INVALID_TYPESCRIPT_SYNTAX, or ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX for an enum or a
 * namespace in strip-only mode) with no line or column of its own: they are only in the stack's
 * head, which reads `<file>:<line>`, the source up to that line, and a caret line.
 */
import { fileURLToPath } from "node:url";
import type { Location } from "./location.js";
import { stripVersion } from "../../shared/urls.js";

const CODES = new Set(["ERR_INVALID_TYPESCRIPT_SYNTAX", "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX"]);

/** The location of a TypeScript syntax error from Node's type stripper, or undefined. */
export function typeScriptErrorAt(error: unknown): Location | undefined {
  if (!(error instanceof Error) || !CODES.has(String((error as { code?: unknown }).code))) return undefined;
  const lines = String(error.stack ?? "").split("\n");
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? "");
  if (!head) return undefined;
  // The caret line is the first one made of spaces and carets only, before the blank line.
  const caret = lines.findIndex((line, i) => i > 0 && /^ *\^+$/.test(line));
  if (caret < 0) return undefined;
  const file = toPath(head[1]!);
  if (file === undefined) return undefined;
  return { file, line: Number(head[2]), column: lines[caret]!.indexOf("^") + 1 };
}

/**
 * The location of an esbuild error (tsx compiles with esbuild): esbuild's own error lists each
 * problem in `errors` (`location.line` 1-based, `column` 0-based); tsx rethrows it as a
 * `TransformError` whose message holds only esbuild's text of it, `<file>:<line>:<column>: ERROR:
 * <what>` (column 0-based) under a first line. The message found is the `<what>`.
 */
export function transformErrorAt(error: unknown): Location | undefined {
  const first = (error as { errors?: unknown } | null)?.errors;
  const problem = Array.isArray(first) ? (first[0] as { text?: unknown; location?: { file?: unknown; line?: unknown; column?: unknown } | null }) : undefined;
  const at = problem?.location;
  if (at && typeof at.file === "string" && typeof at.line === "number" && typeof at.column === "number") {
    const file = toPath(at.file);
    return file === undefined ? undefined : { file, line: at.line, column: at.column + 1, ...(typeof problem!.text === "string" ? { message: `SyntaxError: ${problem!.text}` } : {}) };
  }
  if (!(error instanceof Error) || error.name !== "TransformError") return undefined;
  const said = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(error.message);
  const file = said ? toPath(said[1]!) : undefined;
  return file === undefined ? undefined : { file, line: Number(said![2]), column: Number(said![3]) + 1, message: `SyntaxError: ${said![4]}` };
}

function toPath(where: string): string | undefined {
  if (where.startsWith("/")) return where;
  if (!where.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(stripVersion(where));
  } catch {
    return undefined;
  }
}
