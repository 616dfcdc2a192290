/**
 * Where a TypeScript syntax error is. Node's type stripper (amaro) throws a SyntaxError
 * (ERR_INVALID_TYPESCRIPT_SYNTAX, or ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX for an enum or a
 * namespace in strip-only mode) with no line or column of its own: they are only in the stack's
 * head, which reads `<file>:<line>`, the source up to that line, and a caret line.
 */
import { fileURLToPath } from "node:url";
import type { Location } from "./location.js";
import { stripVersion } from "../shared/urls.js";

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

function toPath(where: string): string | undefined {
  if (where.startsWith("/")) return where;
  if (!where.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(stripVersion(where));
  } catch {
    return undefined;
  }
}
