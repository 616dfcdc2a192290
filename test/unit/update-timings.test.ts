/**
 * Where an update's time goes (src/engine/update/timings.ts), on a fake clock: the program's share
 * is the time spent in its modules less hotload's hooks inside it, hotload's own is the rest, and
 * a timed hook counts only its own code, not the hooks after it in the chain.
 */
import assert from "node:assert/strict";
import type { RegisterHooksOptions } from "node:module";
import { test } from "node:test";
import { splitLine, timedHooks, UpdateTimings } from "../../src/engine/update/timings.js";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test("the program's share is its time less the hooks that ran inside it; hotload's own is the rest", async () => {
  const clock = fakeClock();
  const timings = new UpdateTimings(clock.now);
  timings.reset();
  clock.advance(1); // finding the change, the plan: hotload's
  timings.hooks(0.5); // a hook outside the program's time (a preflight compile): hotload's
  await timings.program(async () => {
    clock.advance(3);
    timings.hooks(0.25); // a hook while the program's modules load
    const since = clock.now();
    clock.advance(1); // the dispose while the new versions wait at the gate: hotload's
    timings.aside(since);
    await Promise.resolve();
    clock.advance(6);
  });
  const outside = clock.now();
  clock.advance(0.5);
  timings.aside(outside); // no import waiting: counted once, as hotload's
  assert.deepEqual(timings.split(12), { totalMs: 12, programMs: 8.75, ownMs: 3.25, hooksMs: 0.75 });
  assert.equal(splitLine(timings.split(12)), "update timings: total 12.00 ms, program 8.75 ms, hotload 3.25 ms (hooks 0.75 ms)");
});

test("a new update starts from nothing", async () => {
  const clock = fakeClock();
  const timings = new UpdateTimings(clock.now);
  await timings.program(async () => clock.advance(5));
  timings.hooks(1);
  timings.reset();
  assert.deepEqual(timings.split(2), { totalMs: 2, programMs: 0, ownMs: 2, hooksMs: 0 });
});

test("a timed hook counts its own time, not the next hooks' of the chain", () => {
  const clock = fakeClock();
  const timings = new UpdateTimings(clock.now);
  const hooks: RegisterHooksOptions = {
    resolve(specifier, context, next) {
      clock.advance(2);
      const result = next(specifier, context);
      clock.advance(1);
      return result;
    },
  };
  const timed = timedHooks(hooks, () => timings);
  assert.equal(timed.load, undefined);
  const result = timed.resolve!("./a.mjs", { conditions: [], importAttributes: {}, parentURL: undefined }, () => {
    clock.advance(10);
    return { url: "file:///a.mjs", shortCircuit: true };
  });
  assert.equal(result.url, "file:///a.mjs");
  assert.equal(timings.split(20).hooksMs, 3);
});
