import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { UnsettledEvaluation, evaluationWithin } from "../../src/engine/update/unsettled.js";

function wait(superseded: Promise<void>, lines: string[]) {
  return { superseded, ms: 5, waiting: () => "/app/routes.mjs", late: (file: string, ms: number) => lines.push(`${file} ${ms}`) };
}

/** `promise`, with the event loop kept alive until it settles (the wait's own timer does not keep it: it is unref'd). */
async function alive<T>(promise: Promise<T>): Promise<T> {
  const keep = setInterval(() => {}, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(keep);
  }
}

/** Whether `promise` is still pending after the turns of the event loop a few timers take. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => false,
      () => false,
    ),
    sleep(30).then(() => true),
  ]);
}

test("an evaluation that settles is waited for, however long, when no newer save comes", async () => {
  const lines: string[] = [];
  let finish!: (value: string) => void;
  const waited = evaluationWithin(new Promise<string>((resolve) => (finish = resolve)), wait(new Promise(() => {}), lines));
  assert.equal(await pending(waited), true);
  assert.deepEqual(lines, ["/app/routes.mjs 5"], "the late line is said once, after the timeout");
  finish("done");
  assert.equal(await waited, "done");
});

test("after the timeout, a newer save gives the evaluation up", async () => {
  const lines: string[] = [];
  let save!: () => void;
  const waited = evaluationWithin(new Promise<void>(() => {}), wait(new Promise((resolve) => (save = resolve)), lines));
  assert.equal(await pending(waited), true);
  save();
  await assert.rejects(alive(waited), (error: unknown) => error instanceof UnsettledEvaluation && error.file === "/app/routes.mjs");
  assert.equal(lines.length, 1);
});

test("a save before the timeout counts once the timeout is over; an evaluation that fails rejects as it does", async () => {
  const early = evaluationWithin(new Promise<void>(() => {}), wait(Promise.resolve(), []));
  await assert.rejects(alive(early), UnsettledEvaluation);
  const failing = evaluationWithin(Promise.reject(new Error("top level threw")), wait(Promise.resolve(), []));
  await assert.rejects(alive(failing), /top level threw/);
});
