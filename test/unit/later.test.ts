import assert from "node:assert/strict";
import { test } from "node:test";
import { laterWhileRunning, type RunningProcess } from "../../src/shared/later.js";

/** A process whose timers fire when `tick()` says, and that is alive when `alive` says. */
function fakeProcess(): RunningProcess & { alive: () => boolean; running: boolean; tick(): void; waits: number[] } {
  let due: (() => void)[] = [];
  const node = {
    running: false,
    waits: [] as number[],
    alive: () => node.running,
    after: (ms: number, fn: () => void) => {
      node.waits.push(ms);
      due.push(fn);
    },
    tick: () => {
      const now = due;
      due = [];
      now.forEach((fn) => fn());
    },
  };
  return node;
}

test("a program that is only ending does not run it, however many turns its loop takes; one that runs on does, once", () => {
  const node = fakeProcess();
  let runs = 0;
  laterWhileRunning(() => runs++, 50, node);
  for (let turn = 0; turn < 5; turn++) node.tick();
  assert.equal(runs, 0, "nothing of the program's keeps it alive: V8's background work is no reason");
  assert.deepEqual(node.waits, [0, 50, 50, 50, 50, 50]);
  node.running = true;
  node.tick();
  node.tick();
  assert.equal(runs, 1);
});

test("a program already running runs it at the first turn", () => {
  const node = fakeProcess();
  node.running = true;
  let runs = 0;
  laterWhileRunning(() => runs++, 50, node);
  assert.equal(runs, 0, "not synchronously");
  node.tick();
  assert.equal(runs, 1);
});
