import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { InFlight } from "../../src/inplace/in-flight.js";

/** Where AsyncLocalStorage rides on V8's AsyncContextFrame (Node 24 on). */
const framed = !("_propagate" in AsyncLocalStorage.prototype);

describe("InFlight", () => {
  const inFlight = new InFlight();
  let uninstall: () => void;
  before(() => (uninstall = inFlight.install()));
  after(() => uninstall());

  /** What work() answers at each step of one request's handler. */
  async function observe(): Promise<Record<string, string>> {
    const seen: Record<string, string> = {};
    const name = (work: object | undefined, res: object): string => (work === undefined ? "none" : work === res ? "response" : "other");
    const server = createServer(async (_req, res) => {
      seen.sync = name(inFlight.work(), res);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.afterAwait = name(inFlight.work(), res);
      res.end("ok");
      seen.afterEnd = name(inFlight.work(), res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    seen.outside = String(inFlight.work());
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve, reject) =>
      request({ host: "127.0.0.1", port }, (res) => res.resume().on("end", resolve))
        .on("error", reject)
        .end(),
    );
    await new Promise((resolve) => server.close(resolve));
    return seen;
  }

  test("a request's handler is in flight, for its response, until it ends; nothing else is", async () => {
    assert.deepEqual(await observe(), {
      outside: "undefined",
      sync: "response",
      // Without AsyncContextFrame, only what a server event runs synchronously is known.
      afterAwait: framed ? "response" : "none",
      afterEnd: "none",
    });
  });

  test("whenDone waits for the work's 'close', and says so; work that is over is not waited for", () => {
    const calls: string[] = [];
    const listeners: (() => void)[] = [];
    const open = { destroyed: false, once: (_: string, done: () => void) => listeners.push(done) };
    assert.equal(
      inFlight.whenDone(open, () => calls.push("open")),
      true,
    );
    assert.equal(
      inFlight.whenDone({ destroyed: true, once: () => assert.fail() }, () => calls.push("over")),
      false,
    );
    listeners.forEach((done) => done());
    assert.deepEqual(calls, ["open"]);
  });
});
