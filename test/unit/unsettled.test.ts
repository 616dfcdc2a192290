import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { UnsettledEvaluation, entryLook, evaluationWithin } from "../../src/engine/update/unsettled.js";

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
  assert.deepEqual(await waited, { value: "done" });
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

test("the program's entry still waiting once what it imports evaluated counts as running: no late line, no roll-back", async () => {
  const lines: string[] = [];
  const waited = evaluationWithin(new Promise<void>(() => {}), {
    ...wait(new Promise(() => {}), lines),
    ms: 60,
    entryMs: 5,
    entryWaits: () => true,
  });
  assert.deepEqual(await alive(waited), { running: "/app/routes.mjs" });
  assert.deepEqual(lines, []);
});

test("an entry that starts waiting only after its imports took longer than the short wait counts as running at the timeout", async () => {
  const lines: string[] = [];
  let started = false;
  setTimeout(() => (started = true), 20);
  const waited = evaluationWithin(new Promise<void>(() => {}), {
    ...wait(new Promise(() => {}), lines),
    ms: 40,
    entryMs: 5,
    entryWaits: () => started,
  });
  assert.deepEqual(await alive(waited), { running: "/app/routes.mjs" });
  assert.deepEqual(lines, []);
});

test("an entry that settles within the short wait is an evaluation like any other", async () => {
  const waited = evaluationWithin(Promise.resolve("done"), { ...wait(new Promise(() => {}), []), entryMs: 5, entryWaits: () => true });
  assert.deepEqual(await waited, { value: "done" });
});

test("an entry that has not taken over what the old version had (its SIGTERM handler, its server) counts as running only at the timeout", async () => {
  const lines: string[] = [];
  const looks: boolean[] = [];
  const waited = evaluationWithin(new Promise<void>(() => {}), {
    ...wait(new Promise(() => {}), lines),
    ms: 30,
    entryMs: 5,
    entryWaits: (patient) => (looks.push(patient), patient),
  });
  assert.deepEqual(await alive(waited), { running: "/app/routes.mjs" });
  assert.ok(looks.length >= 3 && looks.slice(0, -1).every((patient) => !patient), `looks: ${looks}`);
  assert.deepEqual(lines, [], "no late line: the entry runs");
});

test("the entry runs once its own top level does: last to start, or in place it started something and took over the old version's servers and handlers", () => {
  const main = "file:///app/main.mjs";
  assert.equal(entryLook(main, ["file:///app/routes.mjs"], undefined)(true), false, "a module it imports is still evaluating");
  assert.equal(entryLook(main, ["file:///app/routes.mjs", main], undefined)(false), true);
  const inPlace = (started: boolean, takenOver: boolean) => ({
    started: (id: string) => started && id === main,
    takenOver: () => takenOver,
  });
  assert.equal(entryLook(main, [], inPlace(false, true))(true), false, "nothing of the new version ran yet");
  assert.equal(entryLook(main, [], inPlace(true, true))(false), true);
  assert.equal(entryLook(main, [], inPlace(true, false))(false), false, "its SIGTERM handler or server is not back yet");
  assert.equal(entryLook(main, [], inPlace(true, false))(true), true, "at the timeout, running at all is enough");
});
