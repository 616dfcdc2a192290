/**
 * The cheap question asked of every module as it loads: could it use `import.meta`? JavaScript
 * allows whitespace and comments between `import`, `.` and `meta` (`import . meta.hot`,
 * `import\n  .meta.hot`), so a plain text search for `import.meta` misses valid uses. A false
 * "yes" only costs the module an injected statement; a false "no" leaves it without its API.
 */

// Whitespace, a block comment or a line comment (JavaScript's line terminators end it). Each
// comment can end in one place only (no backtracking into another split of the same text).
const GAP = String.raw`(?:\s|\/\*(?:[^*]|\*(?!\/))*\*\/|\/\/[^\n\r\u2028\u2029]*(?![^\n\r\u2028\u2029]))*`;
const SPACED = new RegExp(String.raw`\bimport${GAP}\.${GAP}meta\b`);
const PLAIN = "import.meta";
const PLAIN_BYTES = Buffer.from(PLAIN);
const META_BYTES = Buffer.from("meta");

/** Whether `source` (text, or UTF-8 bytes as Node's loader reads them) may use `import.meta`. */
export function mentionsImportMeta(source: string | Buffer): boolean {
  if (typeof source === "string") return source.includes(PLAIN) || (source.includes("meta") && SPACED.test(source));
  // Bytes stay bytes on the common path: decoding every module at start-up costs.
  if (source.includes(PLAIN_BYTES)) return true;
  return source.includes(META_BYTES) && SPACED.test(source.toString("utf8"));
}
