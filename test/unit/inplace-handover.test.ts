import assert from "node:assert/strict";
import { Agent, createServer, request, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { afterEach, describe, test } from "node:test";
import { Handover, listenTarget, sameTarget } from "../../src/inplace/handover.js";

let owner: string | undefined;
const servers: Server[] = [];
let uninstall: (() => void) | undefined;

afterEach(async () => {
  uninstall?.();
  uninstall = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function serve(name: string): Server {
  const server = createServer((_req, res) => res.end(name));
  servers.push(server);
  return server;
}

function listening(server: Server, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    (server.listen as (...a: unknown[]) => Server)(...args, () => resolve((server.address() as AddressInfo).port));
  });
}

function get(port: number, agent: Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, agent }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}

/** A Handover installed for this test, whose listen() calls are `owner`'s. */
function installed(graceMs?: number): Handover {
  const handover = new Handover(
    () => owner,
    () => undefined,
    graceMs,
  );
  uninstall = handover.install();
  return handover;
}

describe("listenTarget", () => {
  test("reads the forms of listen()", () => {
    assert.deepEqual(listenTarget([3000]), { port: 3000 });
    assert.deepEqual(listenTarget(["3000", "127.0.0.1", () => {}]), { port: 3000, host: "127.0.0.1" });
    assert.deepEqual(listenTarget([3000, 511]), { port: 3000 });
    assert.deepEqual(listenTarget([{ port: 0, host: "::" }]), { port: 0, host: "::" });
    assert.deepEqual(listenTarget(["/tmp/app.sock"]), { path: "/tmp/app.sock" });
    assert.deepEqual(listenTarget([() => {}]), { port: 0 });
    assert.equal(listenTarget([{ fd: 3 }]), undefined);
  });

  test("spellings of one address are the same target; other ports and pipes are not", () => {
    assert.ok(sameTarget({ port: 80 }, { port: 80, host: "0.0.0.0" }));
    assert.ok(sameTarget({ port: 80, host: "localhost" }, { port: 80, host: "127.0.0.1" }));
    assert.ok(!sameTarget({ port: 80 }, { port: 81 }));
    assert.ok(!sameTarget({ port: 80, host: "10.0.0.1" }, { port: 80, host: "10.0.0.2" }));
    assert.ok(!sameTarget({ path: "/a" }, { port: 80 }));
  });
});

describe("Handover", () => {
  test("a new server listening where a retired one listens takes its socket: same port, new handler, no second bind", async () => {
    const handover = installed();
    owner = "file:///app/entry.mjs";
    const old = serve("old");
    const port = await listening(old, 0, "127.0.0.1");
    assert.equal(await get(port, false), "old");
    assert.equal(handover.retire("file:///app/entry.mjs"), 1);
    const next = serve("new");
    const nextPort = await listening(next, 0, "127.0.0.1");
    assert.equal(nextPort, port);
    assert.equal(next.listening, true);
    assert.equal(old.listening, false);
    assert.equal(await get(port, false), "new");
    assert.equal(handover.handedOver, 1);
  });

  test("waiting: from a server's retirement until a new server takes its socket", async () => {
    const handover = installed();
    owner = "file:///app/entry.mjs";
    const old = serve("old");
    await listening(old, 0, "127.0.0.1");
    assert.equal(handover.waiting(), false);
    handover.retire(owner);
    assert.equal(handover.waiting(), true);
    const next = serve("new");
    await listening(next, 0, "127.0.0.1");
    assert.equal(handover.waiting(), false);
    next.close();
  });

  test("a keep-alive connection of the old server gets its next request answered by the newest server", async () => {
    const handover = installed();
    owner = "file:///app/entry.mjs";
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const v1 = serve("v1");
    const port = await listening(v1, 0, "127.0.0.1");
    assert.equal(await get(port, agent), "v1");
    handover.retire(owner);
    const v2 = serve("v2");
    await listening(v2, 0, "127.0.0.1");
    handover.retire(owner);
    const v3 = serve("v3");
    await listening(v3, 0, "127.0.0.1");
    // The same socket, accepted by v1, now answered by v3.
    assert.equal(await get(port, agent), "v3");
    assert.equal(handover.newest(v1), v3);
    agent.destroy();
  });

  test("servers of a module that is not retired are never taken: a second listen on their port fails as without hotload", async () => {
    const handover = installed();
    owner = "file:///app/kept.mjs";
    const kept = serve("kept");
    const port = await listening(kept, 0, "127.0.0.1");
    handover.retire("file:///app/entry.mjs");
    const other = serve("other");
    await assert.rejects(listening(other, port, "127.0.0.1"), /EADDRINUSE/);
    assert.equal(await get(port, false), "kept");
  });

  test("a retired server no new version takes over is closed after the grace period of a successful update", async () => {
    const handover = installed(10);
    owner = "file:///app/entry.mjs";
    const old = serve("old");
    await listening(old, 0, "127.0.0.1");
    handover.retire(owner);
    handover.settle();
    await new Promise((resolve) => old.once("close", resolve));
    assert.equal(old.listening, false);
  });

  test("a kept server started again by the new version stays as it is: listen() only announces it", async () => {
    const handover = installed();
    owner = "file:///app/entry.mjs";
    const kept = serve("kept");
    const port = await listening(kept, 0, "127.0.0.1");
    handover.retire(owner);
    assert.equal(await listening(kept, 0, "127.0.0.1"), port);
    assert.equal(await get(port, false), "kept");
    assert.equal(handover.handedOver, 0);
  });

  test("the creator of a server counts as its owner when listen() is called from a framework's callback", async () => {
    const creators = new WeakMap<object, string>();
    const handover = new Handover(
      () => undefined,
      (server) => creators.get(server),
    );
    uninstall = handover.install();
    const old = serve("old");
    creators.set(old, "file:///app/entry.mjs");
    const port = await listening(old, 0, "127.0.0.1");
    assert.equal(handover.retire("file:///app/entry.mjs"), 1);
    const next = serve("new");
    assert.equal(await listening(next, 0, "127.0.0.1"), port);
  });

  test("a fixed address a kept module's server holds: EADDRINUSE within one version, taken over by the code of a later one", async () => {
    const handover = installed();
    owner = "file:///app/lib/server.mjs";
    const probe = serve("probe");
    const port = await listening(probe, 0, "127.0.0.1");
    await new Promise((resolve) => probe.close(resolve));
    const kept = serve("kept");
    await listening(kept, port, "127.0.0.1");
    const twice = serve("twice");
    await assert.rejects(listening(twice, port, "127.0.0.1"), { code: "EADDRINUSE" });
    // The entry is replaced; its new code listens there again (a helper that listened after an
    // await, which the stack credited to the helper): as after a restart, it gets the address.
    assert.equal(handover.retire("file:///app/entry.mjs"), 0);
    const next = serve("new");
    assert.equal(await listening(next, port, "127.0.0.1"), port);
    assert.equal(await get(port, false), "new");
    assert.equal(kept.listening, false);
  });
});
