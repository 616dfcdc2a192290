/**
 * The supervisor link's wire format (src/shared/link.ts): one JSON message per line on a pipe, read back
 * whole however the pipe cuts it.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { encodeMessage, linkFdFrom, readMessages, type ChildMessage } from "../../src/shared/link.js";

test("messages cut at any byte arrive whole and in order; other lines are ignored", () => {
  const sent: ChildMessage[] = [
    { hotload: "files", files: ["/app/a line\nbreak.mjs", "/app/ü.mjs"] },
    { hotload: "restart", reason: "unaccepted", file: "/app/config.mjs", chain: ["/app/config.mjs", "/app/app.mjs"] },
  ];
  const wire = Buffer.from(`${encodeMessage(sent[0]!)}not json\n{"hotload":"other"}\n${encodeMessage(sent[1]!)}`);
  for (const cut of [1, 2, 7, wire.length]) {
    const stream = new PassThrough();
    const got: ChildMessage[] = [];
    readMessages(stream, (message) => got.push(message));
    for (let at = 0; at < wire.length; at += cut) stream.write(wire.subarray(at, at + cut));
    assert.deepEqual(got, sent, `cut every ${cut} bytes`);
  }
});

test("a line the child's death cut short is dropped", () => {
  const stream = new PassThrough();
  const got: ChildMessage[] = [];
  readMessages(stream, (message) => got.push(message));
  stream.end(encodeMessage({ hotload: "files", files: ["/a.mjs"] }).slice(0, 10));
  assert.deepEqual(got, []);
});

test("only a file descriptor past stdio counts as a link", () => {
  assert.equal(linkFdFrom("3"), 3);
  assert.equal(linkFdFrom("12"), 12);
  for (const value of [undefined, "", "1", "2", "0", "-3", "3x", " 3"]) assert.equal(linkFdFrom(value), undefined, String(value));
});
