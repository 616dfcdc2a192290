/**
 * What names a socket the command holds (loader/sockets.ts): the address a `listen()` asked for,
 * in each of net's spellings, so that the next process's same `listen()` finds it; port 0 counts
 * its listens, so each gets back the port it was given. And how the command holds them
 * (src/command/sockets.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChildProcess } from "node:child_process";
import { requestOf } from "../../loader/sockets.js";
import { HeldSockets } from "../../src/command/sockets.js";
import { wire } from "../../src/shared/link.js";

const keyOf = (zeroPorts: Map<string, number>, ...args: unknown[]): string | undefined => requestOf(args, zeroPorts)?.key;

test("every spelling of one TCP address has one key; hosts and IPv6-only stay apart", () => {
  const zero = new Map<string, number>();
  assert.equal(keyOf(zero, 3000), "tcp::3000");
  assert.equal(
    keyOf(zero, "3000", () => {}),
    "tcp::3000",
  );
  assert.equal(keyOf(zero, { port: 3000 }), "tcp::3000");
  assert.equal(
    keyOf(zero, 3000, "127.0.0.1", 511, () => {}),
    "tcp:127.0.0.1:3000",
  );
  assert.equal(keyOf(zero, { port: 3000, host: "127.0.0.1" }), "tcp:127.0.0.1:3000");
  assert.equal(keyOf(zero, { port: 3000, host: "::", ipv6Only: true }), "tcp::::3000:v6only");
  assert.equal(requestOf([3000, "::1", 64], zero)?.backlog, 64);
});

test("port 0 counts its listens by address; a unix path is its own key; a handle or descriptor has none", () => {
  const zero = new Map<string, number>();
  assert.equal(keyOf(zero), "tcp::0#1");
  assert.equal(keyOf(zero, 0, "127.0.0.1"), "tcp:127.0.0.1:0#1");
  assert.equal(
    keyOf(zero, () => {}),
    "tcp::0#2",
  );
  assert.equal(keyOf(zero, "/tmp/app.sock"), "pipe:/tmp/app.sock");
  assert.deepEqual(requestOf([{ path: "/tmp/app.sock", backlog: 8 }], zero), {
    key: "pipe:/tmp/app.sock",
    path: "/tmp/app.sock",
    backlog: 8,
    callback: undefined,
  });
  assert.equal(keyOf(zero, { fd: 3 }), undefined);
  assert.equal(keyOf(zero, { _handle: {} }), undefined);
  assert.equal(keyOf(zero, -1), undefined);
});

test("the command holds one socket per key, lets go of what the program no longer listens on, and tells the new process", () => {
  const closed: string[] = [];
  const handle = (name: string): object => ({ close: () => closed.push(name) });
  const sent: unknown[] = [];
  const child = {
    send: (message: unknown, ...rest: unknown[]) => sent.push(rest.length > 1 ? [message, rest[0]] : message),
  } as unknown as ChildProcess;
  const sockets = new HeldSockets();
  const tcp = handle("tcp");
  sockets.hold("tcp::3000", tcp);
  sockets.hold("pipe:/a.sock", handle("first pipe"));
  // A unix path bound again: the earlier socket goes.
  sockets.hold("pipe:/a.sock", handle("second pipe"));
  assert.deepEqual(closed, ["first pipe"]);
  sockets.handOver(child);
  assert.deepEqual(sent.slice(0, 2), [wire({ hotload: "sockets", count: 2 }), [wire({ hotload: "socket", key: "tcp::3000" }), tcp]]);
  assert.deepEqual((sent[2] as unknown[])[0], wire({ hotload: "socket", key: "pipe:/a.sock" }));
  sent.length = 0;
  sockets.keepOnly(new Set(["pipe:/a.sock"]), child);
  assert.deepEqual(closed, ["first pipe", "tcp"]);
  assert.deepEqual(sent, [wire({ hotload: "drop", key: "tcp::3000" })]);
  assert.deepEqual([...sockets.keys()], ["pipe:/a.sock"]);
  sockets.release("pipe:/a.sock");
  assert.deepEqual(closed, ["first pipe", "tcp", "second pipe"]);
  assert.equal(sockets.keys().size, 0);
});
