/**
 * The only source rewrite hotload makes: one statement on line 1 that gives a hot module its
 * `import.meta.hot`. No line ever moves, so stack traces need no source map. Columns stay put
 * too wherever that is possible:
 * - a shebang line is replaced (it holds no code);
 * - a first line that holds only static imports (the common case) gets the statement at its end;
 * - otherwise the statement goes first and only tokens on line 1 shift right.
 */
import { parse } from "es-module-lexer";

/** The global slot through which transformed modules reach the runtime (same thread). */
export const RUNTIME_SLOT = "hotload.runtime";

/** What a transformed module calls on line 1, before any of its own code runs. */
export interface RuntimeSlot {
  /** Returns the module's `import.meta.hot`; also marks the start of its evaluation. */
  hot(meta: ImportMeta): unknown;
}

/** The statement injected on line 1. */
export const INJECTION: string = `import.meta.hot=globalThis[Symbol.for(${JSON.stringify(RUNTIME_SLOT)})].hot(import.meta);`;

/** Where on line 1 the statement went: `column` is where user code on that line now starts. */
export interface Injected {
  readonly code: string;
  /** How many columns user tokens on line 1 moved right (0 when nothing moved). */
  readonly shift: number;
}

/** Adds `import.meta.hot` to an ES module's source (JavaScript or TypeScript). */
export function injectHot(source: string): Injected {
  const bom = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  let eol = source.indexOf("\n", bom);
  if (eol < 0) eol = source.length;
  // Keep a CR of a CRLF line ending after the statement.
  const lineEnd = eol > bom && source.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
  const line = source.slice(bom, lineEnd);

  if (line.startsWith("#!")) {
    return { code: source.slice(0, bom) + INJECTION + source.slice(lineEnd), shift: 0 };
  }
  if (onlyImports(line)) {
    const needsSemi = line.trim() !== "" && !/;\s*$/.test(line);
    return { code: source.slice(0, lineEnd) + (needsSemi ? ";" : "") + INJECTION + source.slice(lineEnd), shift: 0 };
  }
  return { code: source.slice(0, bom) + INJECTION + source.slice(bom), shift: INJECTION.length };
}

/** True when `line` holds nothing but complete static import/re-export statements (or nothing). */
function onlyImports(line: string): boolean {
  if (line.trim() === "") return true;
  if (!/^\s*(import|export)\b/.test(line)) return false;
  let imports: ReturnType<typeof parse>[0];
  try {
    [imports] = parse(line);
  } catch {
    return false;
  }
  if (imports.length === 0) return false;
  let rest = "";
  let at = 0;
  for (const imp of imports) {
    // Only static statements that end on this line.
    if (imp.type === "dynamic" || imp.type === "import-meta") return false;
    if (imp.importEnd <= imp.importStart || imp.importEnd > line.length) return false;
    rest += line.slice(at, imp.importStart);
    at = imp.importEnd;
  }
  rest += line.slice(at);
  return /^[\s;]*$/.test(rest);
}
