/**
 * The source map of an edited module, produced only when an edit moved a column (see edit.ts):
 * magic-string's map of hotload's edit, composed with the map the module came with (tsx and
 * other loaders inline one), so that positions still lead to the user's file.
 */
import { createRequire } from "node:module";
import type MagicStringType from "magic-string";
import type * as RemappingModule from "@jridgewell/remapping";

const requireHere = createRequire(import.meta.url);

// A map inlined as the module's last comment, as tsx and esbuild write it.
const INLINE = /\/\/[#@] sourceMappingURL=data:application\/json(?:;charset=[\w-]+)?;base64,([A-Za-z0-9+/=]+)\s*$/;

const INLINE_MARK = "sourceMappingURL=data:";
const INLINE_MARK_BYTES = Buffer.from(INLINE_MARK);

/** Whether `source` may carry an inline source map (a quick test, without parsing it). */
export function mentionsInlineMap(source: string | Buffer): boolean {
  return typeof source === "string" ? source.includes(INLINE_MARK) : source.includes(INLINE_MARK_BYTES);
}

/** The inline source map comment at the end of `code`: where it starts, and the map. */
export function inlineMap(code: string): { readonly start: number; readonly map: object } | undefined {
  const match = INLINE.exec(code);
  if (!match) return undefined;
  try {
    return { start: match.index, map: JSON.parse(Buffer.from(match[1]!, "base64").toString("utf8")) as object };
  } catch {
    return undefined;
  }
}

/** `map` as the comment that inlines it. */
export function mapComment(map: object): string {
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map), "utf8").toString("base64")}`;
}

/**
 * The map of `edited` (a magic-string over the module's source), composed with `own` (the
 * module's own map) when it has one. `name` is the file's base name: relative to the module's URL
 * it names the file itself.
 */
export function mapOf(edited: MagicStringType, name: string, own: object | undefined): object {
  // Composed, the edit's map names its input by a name no real source has, so that tracing
  // stops at the module's own map (whose sources may well include the file's base name).
  const input = own === undefined ? name : "\0hotload-input";
  const map = edited.generateMap({ hires: "boundary", source: input, includeContent: false });
  if (own === undefined) return JSON.parse(map.toString()) as object;
  // The package's CommonJS build is a UMD bundle: the function itself, or under `default`.
  const loaded = requireHere("@jridgewell/remapping") as typeof RemappingModule.default | { default: typeof RemappingModule.default };
  const remapping = typeof loaded === "function" ? loaded : loaded.default;
  const composed = remapping(
    JSON.parse(map.toString()) as RemappingModule.SourceMapInput,
    (source) => (source === input ? (own as RemappingModule.SourceMapInput) : null),
    { excludeContent: false },
  );
  return JSON.parse(composed.toString()) as object;
}
