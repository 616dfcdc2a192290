/**
 * Keeps an inline source map true when the injected statement moved line 1 to the right. Tools
 * like tsx emit a module as one line with an inline map; its first line of mappings starts with an
 * absolute generated column that every other segment on the line is relative to, so adding the
 * shift to that one value moves the whole line.
 */

const INLINE = /(\/\/[#@] sourceMappingURL=data:application\/json(?:;charset=[\w-]+)?;base64,)([A-Za-z0-9+/=]+)\s*$/;
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** `code` with its inline source map's line 1 moved right by `shift` columns (unchanged without one). */
export function shiftInlineSourceMap(code: string, shift: number): string {
  if (shift === 0) return code;
  const match = INLINE.exec(code);
  if (!match) return code;
  let map: { mappings?: unknown };
  try {
    map = JSON.parse(Buffer.from(match[2]!, "base64").toString("utf8")) as { mappings?: unknown };
  } catch {
    return code;
  }
  if (typeof map.mappings !== "string") return code;
  const moved = shiftFirstSegment(map.mappings, shift);
  if (moved === map.mappings) return code;
  map.mappings = moved;
  const encoded = Buffer.from(JSON.stringify(map), "utf8").toString("base64");
  return code.slice(0, match.index) + match[1] + encoded;
}

/** Adds `shift` to the generated column of the first segment of line 1 (if line 1 has one). */
export function shiftFirstSegment(mappings: string, shift: number): string {
  if (mappings === "" || mappings[0] === ";") return mappings;
  const [column, length] = decodeVlq(mappings, 0);
  return encodeVlq(column + shift) + mappings.slice(length);
}

function decodeVlq(text: string, at: number): [value: number, length: number] {
  let result = 0;
  let shiftBits = 0;
  let i = at;
  for (;;) {
    const digit = BASE64.indexOf(text[i++]!);
    result += (digit & 31) << shiftBits;
    shiftBits += 5;
    if ((digit & 32) === 0) break;
  }
  const value = result & 1 ? -(result >>> 1) : result >>> 1;
  return [value, i - at];
}

function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}
