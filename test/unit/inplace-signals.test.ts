/**
 * The listeners of replaced versions on `process` (src/inplace/signals.ts), on this process with
 * SIGUSR2 (which the test runner does not use): a signal while no version listens is held and
 * raised again, a failed update puts the old listeners back, a package's listener stays unless
 * the package adds it again. (SIGTERM and SIGINT are the test runner's: the e2e tests drive those.)
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { ProcessListeners } from "../../src/inplace/signals.js";

/** Runs `body` with the listeners installed, and puts `process` back after it. */
async function withListeners(body: (listeners: ProcessListeners) => unknown): Promise<void> {
  const listeners = new ProcessListeners();
  const undo = listeners.install();
  try {
    await body(listeners);
  } finally {
    undo();
    process.removeAllListeners("SIGUSR2");
  }
}

test("a signal that comes while no version listens reaches the new version's listener once the update settled", () =>
  withListeners(async (listeners) => {
    const seen: string[] = [];
    const old = (): number => seen.push("old");
    process.on("SIGUSR2", old);
    listeners.retire("SIGUSR2", old, () => assert.fail("not reattached"));
    assert.equal(process.listenerCount("SIGUSR2"), 0);
    // What Node's signal watch calls when the signal comes.
    assert.equal(process.emit("SIGUSR2", "SIGUSR2"), false);
    assert.equal(seen.length, 0);
    process.on("SIGUSR2", () => seen.push("new"));
    const raised = once(process, "SIGUSR2");
    // Node's signal watch does not keep the event loop alive.
    const alive = setTimeout(() => undefined, 5_000);
    listeners.settled(true);
    await raised;
    clearTimeout(alive);
    assert.deepEqual(seen, ["new"]);
  }));

test("an update that fails puts the old listener back, recorded again under its version", () =>
  withListeners(async (listeners) => {
    const old = (): void => undefined;
    process.on("SIGUSR2", old);
    let reattached = 0;
    listeners.retire("SIGUSR2", old, () => reattached++);
    listeners.settled(false);
    assert.deepEqual(process.rawListeners("SIGUSR2"), [old]);
    assert.equal(reattached, 1);
  }));

test("a package's listener goes only if the package added it again for the new version", () =>
  withListeners(async (listeners) => {
    const make = (name: string) => () => void name;
    const perCall = make("per call");
    process.on("SIGUSR2", perCall);
    const singleton = (): void => undefined;
    process.on("SIGUSR2", singleton);
    listeners.retire("SIGUSR2", perCall, () => undefined, true);
    listeners.retire("SIGUSR2", singleton, () => undefined, true);
    const again = make("again");
    process.on("SIGUSR2", again);
    listeners.settled(true);
    assert.deepEqual(process.rawListeners("SIGUSR2"), [again, singleton]);
  }));

test("waiting: while an event an old version listened to has no listener, until the new version adds its own", () =>
  withListeners(async (listeners) => {
    const old = (): void => undefined;
    process.on("SIGUSR2", old);
    assert.equal(listeners.waiting(), false, "nothing retired");
    listeners.retire("SIGUSR2", old, () => undefined);
    assert.equal(listeners.waiting(), true);
    process.on("SIGUSR2", () => undefined);
    assert.equal(listeners.waiting(), false);
    listeners.settled(true);
    assert.equal(listeners.waiting(), false);
  }));
