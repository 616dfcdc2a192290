/**
 * What hotload prints from outside cannot act on the terminal (src/shared/printable.ts, issue 10 item 12).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { printable, printableBlock } from "../../src/shared/printable.js";

test("an escape sequence in a file name is shown, not run", () => {
  assert.equal(
    printable("./x\x1b]0;title\x07\x1b[2K\x1b[1G\x1b[32mall good.mjs"),
    "./x\\x1b]0;title\\x07\\x1b[2K\\x1b[1G\\x1b[32mall good.mjs",
  );
});

test("every C0 control, DEL and every C1 control is escaped; printable text is left alone", () => {
  for (let code = 0; code < 0x20; code++)
    assert.equal(printable(`a${String.fromCharCode(code)}b`), `a\\x${code.toString(16).padStart(2, "0")}b`);
  assert.equal(printable("a\x7fb"), "a\\x7fb");
  for (let code = 0x80; code < 0xa0; code++) assert.equal(printable(`a${String.fromCharCode(code)}b`), `a\\x${code.toString(16)}b`);
  const plain = "./src/routes (copy) ü é 日本 😀 ~!@#$%^&*()[]{}\\|;:'\",.<>/? \u00a0\u00ff";
  assert.equal(printable(plain), plain);
});

test("bidirectional controls that reorder what follows are escaped", () => {
  assert.equal(printable("a\u202eb\u2066c\u2069d\u200fe\u061cf"), "a\\u202eb\\u2066c\\u2069d\\u200fe\\u061cf");
});

test("one line stays one line: a newline or carriage return in a name cannot fake a line", () => {
  assert.equal(printable("a.mjs\n[hotload] updated ./b.mjs\r"), "a.mjs\\x0a[hotload] updated ./b.mjs\\x0d");
});

test("a block keeps its newlines and tabs (a CRLF is a newline) and escapes the rest", () => {
  assert.equal(printableBlock("  1 | const a = 1;\r\n> 2 | \tb\x1b[2K\n"), "  1 | const a = 1;\n> 2 | \tb\\x1b[2K\n");
  assert.equal(printableBlock("lone\rreturn"), "lone\\x0dreturn");
});
