import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import promises from "node:timers/promises";
import { wrapPromiseTimers } from "../../src/inplace/promise-timers.js";
import { Resources } from "../../src/inplace/resources.js";

/** The owner the fake attribution answers with: set around the code that "belongs" to a module. */
let current: string | undefined;
const resources = (): Resources => (made = new Resources({ owner: () => current, caller: () => current, evaluating: () => current }));
let undo: (() => void) | undefined;
let made: Resources | undefined;

afterEach(() => {
  // Whatever a failed assertion left running must not keep the test process alive.
  made?.release("file:///app/old.mjs");
  current = undefined;
  undo?.();
  undo = undefined;
});

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("promise timers", () => {
  test("a polling loop's timer stops for good once the update applied: its promise never settles", async () => {
    const r = resources();
    undo = wrapPromiseTimers(r);
    let polls = 0;
    let ended = false;
    // Every turn of the loop is the module's (the real attribution reads the loop's frame).
    current = "file:///app/old.mjs";
    const loop = (async () => {
      for (;;) {
        await promises.setTimeout(5);
        polls++;
      }
    })();
    loop.catch(() => (ended = true));
    await tick(30);
    assert.ok(polls > 0);
    assert.equal(r.suspend("file:///app/old.mjs"), 1);
    r.settle("file:///app/old.mjs", true);
    const stopped = polls;
    await tick(40);
    assert.equal(polls, stopped);
    assert.equal(ended, false, "a stopped loop must not see an AbortError");
  });

  test("while its module is suspended, a polling loop takes no turn, whatever comes due: a failed update lets the held turn run, an applied one never", async () => {
    const r = resources();
    undo = wrapPromiseTimers(r);
    const loop = (): { polls: () => number } => {
      let polls = 0;
      void (async () => {
        for (;;) {
          await promises.setTimeout(5);
          polls++;
        }
      })();
      return { polls: () => polls };
    };
    current = "file:///app/old.mjs";
    const failed = loop();
    await tick(30);
    r.suspend("file:///app/old.mjs");
    const before = failed.polls();
    await tick(40);
    assert.equal(failed.polls(), before, "the old version's loop waits while the update runs");
    r.settle("file:///app/old.mjs", false);
    await tick(30);
    assert.ok(failed.polls() > before, "the update failed: the loop goes on");
    r.release("file:///app/old.mjs");

    const applied = loop();
    await tick(30);
    r.suspend("file:///app/old.mjs");
    const held = applied.polls();
    await tick(40);
    r.settle("file:///app/old.mjs", true);
    await tick(30);
    assert.equal(applied.polls(), held);
  });

  test("a failed update leaves the loop running; an interval's iterator stops the same way", async () => {
    const r = resources();
    undo = wrapPromiseTimers(r);
    let ticks = 0;
    current = "file:///app/old.mjs";
    void (async () => {
      for await (const _ of promises.setInterval(5)) ticks++;
    })();
    r.suspend("file:///app/old.mjs");
    assert.equal(r.settle("file:///app/old.mjs", false), true);
    await tick(30);
    const running = ticks;
    assert.ok(running > 0);
    r.release("file:///app/old.mjs");
    await tick(30);
    assert.ok(ticks <= running + 1);
  });

  test("the caller's own signal and value still work, and what nobody owns is not recorded", async () => {
    const r = resources();
    undo = wrapPromiseTimers(r);
    assert.equal(await promises.setTimeout(1, "value"), "value");
    await promises.scheduler.wait(1);
    const controller = new AbortController();
    current = "file:///app/a.mjs";
    const aborted = promises.setTimeout(1000, undefined, { signal: controller.signal });
    current = undefined;
    controller.abort();
    await assert.rejects(aborted, { name: "AbortError" });
    assert.equal(r.count("file:///app/a.mjs"), 0);
  });

  test("the undo puts Node's functions back", () => {
    const before = [promises.setTimeout, promises.setInterval, promises.scheduler.wait];
    wrapPromiseTimers(resources())();
    assert.deepEqual([promises.setTimeout, promises.setInterval, promises.scheduler.wait], before);
  });
});
