/**
 * Text from outside (file names, messages of the program's errors) made safe to print on a
 * terminal: every control character is shown as an escape instead of acting.
 * A file named `x\x1b]0;title\x07.mjs` must not retitle the terminal, nor `\x1b[2K` erase the
 * error line that names it, nor a newline in a name print a fake `[hotload]` line.
 *
 * Escaped: C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F, where U+009B alone starts a
 * sequence on some terminals), as `\xNN`; the invisible bidirectional controls (U+061C,
 * U+200E-U+200F, U+202A-U+202E, U+2066-U+2069: they reorder what follows, "Trojan Source"), as
 * `\uNNNN`. Escaping ESC and the C1 introducers is enough to disarm every escape sequence: the
 * rest of it is plain text.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control character escaped, newlines and tabs included: for one line of
 * output.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}

/**
 * `text` with every control character escaped except the newline and the tab (a CRLF counts as a
 * newline): for a block of lines (a code frame, a stack).
 */
export function printableBlock(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(CONTROL_BUT_LAYOUT, escape);
}
