/**
 * The specifiers a module accepts, read from its source without running it (what Vite's
 * `lexAcceptedHmrDeps` does): `import.meta.hot.accept("./a.mjs", cb)`, `accept(["./a", "./b"])`,
 * and the export names of `import.meta.hot.acceptExports(["x"])`. Only string literals count; an
 * argument computed at run time makes the answer `dynamic` (callers then assume the worst).
 */

/** What a module's accept calls say before it runs. */
export interface Accepted {
  /** Specifiers passed to `accept` as literals, in source order, without duplicates. */
  readonly deps: readonly string[];
  /** An `accept()` with no specifier (or with only a callback): the module accepts itself. */
  readonly self: boolean;
  /** Some accept call's specifiers could not be read (a variable, a template with `${}`). */
  readonly dynamic: boolean;
}

/** Nothing accepted: what a module that never calls `accept` says. */
const NOTHING_ACCEPTED: Accepted = Object.freeze({ deps: Object.freeze([]), self: false, dynamic: false });

// `.hot.accept(` or `?.hot?.accept(` right after an `import.meta` (whitespace allowed between
// tokens); in TypeScript also `.hot!.accept` and type arguments before the `(` (see typeArguments).
const CALL = /\s*\??\.\s*hot\s*!?\s*(?:\?\.|\.)\s*(accept|acceptExports)\s*/y;
// `import.meta.hot?.accept(` as compilers lower it for a target before ES2020 (swc, and so
// @swc-node/register without a tsconfig; tsc; Babel): `(_hot = import.meta.hot) === null || _hot
// === void 0 ? void 0 : _hot.accept(`, or `… == null ? void 0 : _hot.accept(`.
const LOWERED_CALL =
  /\s*\.\s*hot\s*\)\s*(?:===\s*null\s*\|\|\s*([\w$]+)\s*===\s*void\s+0|==\s*null)\s*\?\s*void\s+0\s*:\s*([\w$]+)\s*\.\s*(accept|acceptExports)\s*/y;
const OPEN = /\s*\(\s*/y;
const STRING = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`\\$]*)`/y;
const SEPARATOR = /\s*,\s*/y;
const CLOSE_LIST = /\s*(?:,\s*)?\]/y;

/** Reads the accept calls that follow each `import.meta` (`metas`: offsets from the lexer). */
export function acceptedBy(source: string, metas: readonly (readonly [number, number])[]): Accepted {
  let found: { deps: string[]; self: boolean; dynamic: boolean } | undefined;
  for (const [, end] of metas) {
    const after = callAfter(source, end);
    if (after === undefined) continue;
    OPEN.lastIndex = typeArguments(source, after);
    if (!OPEN.test(source)) continue;
    found ??= { deps: [], self: false, dynamic: false };
    const read = readSpecifiers(source, OPEN.lastIndex);
    if (read === "self") found.self = true;
    else if (read === undefined) found.dynamic = true;
    else for (const specifier of read) if (!found.deps.includes(specifier)) found.deps.push(specifier);
  }
  return found ?? NOTHING_ACCEPTED;
}

/** Where the `(` or type arguments of an `accept` call after the `import.meta` ending at `end` start. */
function callAfter(source: string, end: number): number | undefined {
  CALL.lastIndex = end;
  const call = CALL.exec(source);
  if (call) return call[1] === "accept" ? CALL.lastIndex : undefined;
  LOWERED_CALL.lastIndex = end;
  const lowered = LOWERED_CALL.exec(source);
  if (!lowered || lowered[3] !== "accept" || (lowered[1] !== undefined && lowered[1] !== lowered[2])) return undefined;
  return LOWERED_CALL.lastIndex;
}

/**
 * The specifiers of an accept call whose arguments start at `at`: a list, "self" for a call
 * with no specifier, undefined when they are not literals.
 */
function readSpecifiers(source: string, at: number): string[] | "self" | undefined {
  const first = source[at];
  if (first === ")" || first === undefined) return "self";
  if (first === "[") {
    const out: string[] = [];
    let i = at + 1;
    for (;;) {
      CLOSE_LIST.lastIndex = i;
      if (CLOSE_LIST.test(source)) return out;
      if (out.length > 0) {
        SEPARATOR.lastIndex = i;
        if (!SEPARATOR.test(source)) return undefined;
        i = SEPARATOR.lastIndex;
      } else {
        i = skipSpace(source, i);
      }
      const value = stringAt(source, i);
      if (value === undefined) return undefined;
      out.push(value[0]);
      i = value[1];
    }
  }
  const value = stringAt(source, at);
  if (value !== undefined) return [value[0]];
  // accept(cb), accept((m) => …), accept(function …): a callback first means the module itself.
  return /^(?:function\b|async\b|\(|[\w$]+\s*=>)/.test(source.slice(at, at + 40)) ? "self" : undefined;
}

/**
 * Where TypeScript type arguments starting at `at` end (`<typeof import("./dep.ts")>`: nested
 * angle brackets, and strings that may hold any of them), or `at` when there are none.
 */
function typeArguments(source: string, at: number): number {
  if (source[at] !== "<") return at;
  let depth = 0;
  for (let i = at; i < source.length; i++) {
    const c = source[i];
    if (c === "<") depth++;
    else if (c === ">" && source[i - 1] !== "=") {
      if (--depth === 0) return i + 1;
    } else if (c === '"' || c === "'" || c === "`") {
      const value = stringAt(source, i);
      if (value === undefined) return at;
      i = value[1] - 1;
    } else if (c === ";" || c === "{" || c === "}") return at;
  }
  return at;
}

function skipSpace(source: string, at: number): number {
  while (at < source.length && /\s/.test(source[at]!)) at++;
  return at;
}

/** The string literal at `at` (its decoded value and where it ends), if there is one. */
function stringAt(source: string, at: number): [string, number] | undefined {
  STRING.lastIndex = at;
  const match = STRING.exec(source);
  if (!match) return undefined;
  const raw = match[1] ?? match[2] ?? match[3] ?? "";
  if (!raw.includes("\\")) return [raw, STRING.lastIndex];
  try {
    return [JSON.parse(`"${raw.replace(/"/g, '\\"')}"`) as string, STRING.lastIndex];
  } catch {
    return undefined;
  }
}
