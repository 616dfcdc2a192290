import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { PassThrough } from "node:stream";
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, test } from "node:test";
import timers from "node:timers";
import { Resources } from "../../src/inplace/resources.js";

/** The owner the fake attribution answers with: set around the code that "belongs" to a module. */
let current: string | undefined;
const resources = (): Resources => new Resources({ owner: () => current, caller: () => current, evaluating: () => current });
let uninstall: (() => void) | undefined;

function as<T>(owner: string | undefined, fn: () => T): T {
  current = owner;
  try {
    return fn();
  } finally {
    current = undefined;
  }
}

afterEach(() => {
  uninstall?.();
  uninstall = undefined;
});

describe("Resources", () => {
  test("releasing a module stops its intervals and timeouts, and only its own", () => {
    const r = resources();
    uninstall = r.install();
    const mine = as("file:///app/old.mjs", () => [setInterval(() => {}, 1000), setTimeout(() => {}, 1000)]);
    const kept = as("file:///app/kept.mjs", () => setInterval(() => {}, 1000));
    const nobody = setInterval(() => {}, 1000);
    assert.equal(r.count("file:///app/old.mjs"), 2);
    assert.equal(r.release("file:///app/old.mjs"), 2);
    for (const timer of mine) assert.equal((timer as unknown as { _destroyed: boolean })._destroyed, true);
    assert.equal((kept as unknown as { _destroyed: boolean })._destroyed, false);
    assert.equal(r.count("file:///app/kept.mjs"), 1);
    clearInterval(kept);
    clearInterval(nobody);
  });

  test("timers made through node:timers are recorded too, and keep util.promisify working", async () => {
    const r = resources();
    uninstall = r.install();
    as("file:///app/a.mjs", () => timers.setInterval(() => {}, 1000));
    assert.equal(r.count("file:///app/a.mjs"), 1);
    const { promisify } = await import("node:util");
    await promisify(setTimeout)(1);
    r.release("file:///app/a.mjs");
    assert.equal(r.count("file:///app/a.mjs"), 0);
  });

  test("a timeout that fired is not counted, and the caller's timer object is the real one", async () => {
    const r = resources();
    uninstall = r.install();
    let fired = false;
    const timer = as("file:///app/a.mjs", () => setTimeout(() => (fired = true), 1));
    assert.equal(typeof timer.refresh, "function");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fired, true);
    assert.equal(r.count("file:///app/a.mjs"), 0);
  });

  test("process listeners of a released module are removed, once() ones included; others stay", () => {
    const r = resources();
    uninstall = r.install();
    const before = process.listenerCount("SIGUSR2");
    const own = (): void => {};
    as("file:///app/old.mjs", () => {
      process.on("SIGUSR2", own);
      process.once("SIGUSR2", () => {});
    });
    const kept = (): void => {};
    as("file:///app/kept.mjs", () => process.on("SIGUSR2", kept));
    assert.equal(process.listenerCount("SIGUSR2"), before + 3);
    assert.equal(r.release("file:///app/old.mjs"), 2);
    assert.equal(process.listenerCount("SIGUSR2"), before + 1);
    assert.deepEqual(process.listeners("SIGUSR2").slice(-1), [kept]);
    process.removeListener("SIGUSR2", kept);
  });

  test("listeners a module added to a server it created go with the server; on another's server they are removed", () => {
    const r = resources();
    uninstall = r.install();
    const own = as("file:///app/entry.mjs", () => createServer(() => {}));
    const foreign = as("file:///app/db.mjs", () => createServer(() => {}));
    as("file:///app/entry.mjs", () => {
      own.on("close", () => {});
      foreign.on("close", () => {});
    });
    assert.equal(r.emitterOwner(own), "file:///app/entry.mjs");
    r.release("file:///app/entry.mjs");
    assert.equal(own.listenerCount("request"), 1);
    assert.equal(own.listenerCount("close"), 1);
    assert.equal(foreign.listenerCount("close"), 0);
    assert.equal(foreign.listenerCount("request"), 1);
  });

  test("a long-lived emitter's listeners (EventEmitter or MessagePort) go with the version that added them", () => {
    const r = resources();
    const { port1, port2 } = new MessageChannel();
    const stream = new PassThrough();
    const undo = [r.wrapEmitter(port1 as unknown as EventEmitter), r.wrapEmitter(stream)];
    try {
      const handler = (): void => {};
      as("file:///app/old.mjs", () => {
        port1.on("message", handler);
        port1.once("message", handler);
        stream.on("data", handler);
      });
      const kept = (): void => {};
      as("file:///app/kept.mjs", () => stream.on("data", kept));
      assert.equal(r.count("file:///app/old.mjs"), 3);
      r.release("file:///app/old.mjs");
      assert.equal((port1 as unknown as EventEmitter).listenerCount("message"), 0);
      assert.deepEqual(stream.listeners("data"), [kept]);
    } finally {
      undo.forEach((step) => step());
      port1.close();
      port2.close();
    }
  });

  test("while versions evaluate, a listener a module adds to any emitter goes with it; then EventEmitter is Node's own again", () => {
    const r = resources();
    const { on, addListener, prependListener } = EventEmitter.prototype;
    const enumerable = Object.getOwnPropertyDescriptor(EventEmitter.prototype, "on")!.enumerable;
    const bus = new EventEmitter();
    const stream = new PassThrough();
    const stdin = new EventEmitter();
    const undoStdin = r.wrapEmitter(stdin);
    const end = r.wrapEveryEmitter();
    // A wrapper put on while EventEmitter is wrapped calls Node's own, not the passing wrapper.
    const server = createServer();
    const undoServer = r.installServers();
    // What Express does with each app: EventEmitter's methods copied onto it, wrappers and all.
    const app = Object.assign(() => {}, { on: EventEmitter.prototype.on, _events: {}, _eventsCount: 0 }) as unknown as EventEmitter;
    const old = (): void => {};
    const kept = (): void => {};
    as("file:///app/handlers.mjs", () => {
      bus.on("job", old);
      bus.once("job", old);
      bus.prependListener("done", old);
      stdin.on("data", old); // recorded once, by stdin's own wrapper
      server.on("request", old);
    });
    as("file:///app/kept.mjs", () => bus.on("job", kept));
    bus.on("job", () => {}); // nobody's
    end();
    assert.deepEqual(
      [EventEmitter.prototype.on, EventEmitter.prototype.addListener, EventEmitter.prototype.prependListener],
      [on, addListener, prependListener],
    );
    assert.equal(Object.getOwnPropertyDescriptor(EventEmitter.prototype, "on")!.enumerable, enumerable);
    as("file:///app/handlers.mjs", () => [stream.on("data", old), app.on("mount", old)]); // after the evaluation: not recorded
    assert.equal(r.count("file:///app/handlers.mjs"), 5);
    r.release("file:///app/handlers.mjs");
    assert.deepEqual(
      [bus.listenerCount("job"), bus.listenerCount("done"), stdin.listenerCount("data"), stream.listenerCount("data")],
      [2, 0, 0, 1],
    );
    assert.deepEqual(bus.listeners("job")[0], kept);
    undoServer();
    undoStdin();
    server.close();
  });

  /** A fake request: open until it emits 'close'. */
  class Work extends PassThrough {}
  const inFlightAs = (work: () => object | undefined) => ({
    work,
    started: () => {},
    whenDone: (w: object, done: () => void) => !(w as Work).destroyed && ((w as Work).once("close", done), true),
  });

  test("what a module opened is closed with its version, unless in-flight work opened it", () => {
    let work: Work | undefined;
    const r = new Resources(
      { owner: () => current, caller: () => current, evaluating: () => current },
      inFlightAs(() => work),
    );
    const closed: string[] = [];
    const closable = (name: string) => ({ live: () => !closed.includes(name), close: () => closed.push(name) });
    as("file:///app/old.mjs", () => r.opened(closable("rl")));
    work = new Work();
    as("file:///app/old.mjs", () => r.opened(closable("request's worker")));
    work = undefined;
    assert.equal(r.count("file:///app/old.mjs"), 1);
    assert.equal(r.release("file:///app/old.mjs"), 1);
    assert.deepEqual(closed, ["rl"]);
  });

  test("in-flight work's timeouts are nobody's; its intervals stop once the work is done, if their version is gone", () => {
    let work: Work | undefined;
    const r = new Resources(
      { owner: () => current, caller: () => current, evaluating: () => current },
      inFlightAs(() => work),
    );
    uninstall = r.install();
    const request = (work = new Work());
    const [timeout, interval] = as("file:///app/old.mjs", () => [setTimeout(() => {}, 1000), setInterval(() => {}, 1000)]);
    work = undefined;
    assert.equal(r.count("file:///app/old.mjs"), 1);
    r.release("file:///app/old.mjs");
    const destroyed = (timer: NodeJS.Timeout): boolean => (timer as unknown as { _destroyed: boolean })._destroyed;
    assert.deepEqual([destroyed(timeout), destroyed(interval)], [false, false]);
    request.destroy();
    request.emit("close");
    assert.equal(destroyed(interval), true);
    clearTimeout(timeout);
  });

  test("a suspended module's timers are held, not run; settled as applied they stop for good", async () => {
    const r = resources();
    uninstall = r.install();
    let ticks = 0;
    const interval = as("file:///app/old.mjs", () => setInterval(() => ticks++, 5));
    assert.equal(r.suspend("file:///app/old.mjs"), 1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(ticks, 0);
    r.settle("file:///app/old.mjs", true);
    assert.equal((interval as unknown as { _destroyed: boolean })._destroyed, true);
    assert.equal(r.count("file:///app/old.mjs"), 0);
  });

  test("an update that failed gives the suspended module back what it had, and stops what the failed version started", async () => {
    const r = resources();
    uninstall = r.install();
    let ticks = 0;
    let due = 0;
    const before = process.listenerCount("SIGUSR2");
    const own = (): void => {};
    const interval = as("file:///app/old.mjs", () => {
      process.on("SIGUSR2", own);
      setTimeout(() => due++, 5);
      return setInterval(() => ticks++, 5);
    });
    assert.equal(r.suspend("file:///app/old.mjs"), 3);
    assert.equal(process.listenerCount("SIGUSR2"), before);
    // The failed new version got as far as an interval of its own.
    const failed = as("file:///app/old.mjs", () => setInterval(() => {}, 1000));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual([ticks, due], [0, 0]);
    assert.equal(r.settle("file:///app/old.mjs", false), true);
    assert.equal((failed as unknown as { _destroyed: boolean })._destroyed, true);
    assert.deepEqual(process.rawListeners("SIGUSR2").slice(before), [own]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.ok(ticks > 0);
    assert.equal(due, 1);
    // Released again by the next update, as before.
    assert.equal(r.count("file:///app/old.mjs"), 2);
    assert.equal(r.release("file:///app/old.mjs"), 2);
    assert.equal((interval as unknown as { _destroyed: boolean })._destroyed, true);
    assert.equal(process.listenerCount("SIGUSR2"), before);
  });

  test("what a suspended module opened cannot come back: settling a failed update says so", () => {
    const r = resources();
    let open = true;
    as("file:///app/old.mjs", () => r.opened({ live: () => open, close: () => (open = false) }));
    r.suspend("file:///app/old.mjs");
    assert.equal(r.settle("file:///app/old.mjs", false), false);
    assert.equal(r.settle("file:///app/never.mjs", false), true);
  });

  test("uninstall puts Node's functions back", () => {
    const originals = [globalThis.setTimeout, globalThis.setInterval, timers.setInterval, process.on];
    const undo = resources().install();
    assert.notEqual(globalThis.setInterval, originals[1]);
    undo();
    assert.deepEqual([globalThis.setTimeout, globalThis.setInterval, timers.setInterval, process.on], originals);
  });
});
