/**
 * The supervisor link's messages (src/shared/link.ts): each travels as a Node IPC message whose
 * `cmd` is NODE_-prefixed, so that Node's IPC code hands it to `internalMessage` listeners only,
 * and each end accepts only the other end's kinds.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { childMessage, LINK_COMMAND, linkFdFrom, supervisorMessage, wire, type ChildMessage } from "../../src/shared/link.js";

test("a message travels with a NODE_ command and is read back by the other end only", () => {
  const sent: ChildMessage = {
    hotload: "restart",
    reason: "unaccepted",
    file: "/app/config.mjs",
    chain: ["/app/config.mjs", "/app/app.mjs"],
  };
  const travelled: unknown = JSON.parse(JSON.stringify(wire(sent)));
  assert.match(LINK_COMMAND, /^NODE_/);
  assert.deepEqual(childMessage(travelled), { cmd: LINK_COMMAND, ...sent });
  assert.equal(supervisorMessage(travelled), undefined);
  assert.deepEqual(supervisorMessage(wire({ hotload: "sockets", count: 2 })), { cmd: LINK_COMMAND, hotload: "sockets", count: 2 });
  for (const other of [
    { hotload: "files", files: [] },
    { cmd: "NODE_OTHER", hotload: "files" },
    { cmd: LINK_COMMAND, hotload: "other" },
    null,
    "text",
  ]) {
    assert.equal(childMessage(other), undefined, JSON.stringify(other));
  }
});

test("only a file descriptor past stdio counts as a link", () => {
  assert.equal(linkFdFrom("3"), 3);
  assert.equal(linkFdFrom("12"), 12);
  for (const value of [undefined, "", "1", "2", "0", "-3", "3x", " 3"]) assert.equal(linkFdFrom(value), undefined, String(value));
});
