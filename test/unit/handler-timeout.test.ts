import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { handlerTimeoutMs, settleWithin, type LateHandler } from "../../src/engine/update/handler-timeout.js";
import { readEnv } from "../../src/shared/env.js";

function recorder(): LateHandler & { readonly said: string[] } {
  const said: string[] = [];
  return { said, late: () => said.push("late"), failedLate: (error) => said.push(`failed late: ${String(error)}`) };
}

describe("settleWithin", () => {
  test("a handler that settles in time is waited for, and says nothing", async () => {
    const report = recorder();
    let done = false;
    await settleWithin(new Promise<void>((resolve) => setTimeout(() => ((done = true), resolve()), 5)), 1_000, report);
    assert.ok(done);
    assert.deepEqual(report.said, []);
  });

  test("a handler whose promise never settles is reported once, and the wait ends", async () => {
    const report = recorder();
    await settleWithin(new Promise(() => undefined), 20, report);
    assert.deepEqual(report.said, ["late"]);
  });

  test("a rejection in time rejects; one after the wait is reported, not thrown", async () => {
    await assert.rejects(settleWithin(Promise.reject(new Error("boom")), 1_000, recorder()), /boom/);
    const report = recorder();
    let reject!: (error: Error) => void;
    await settleWithin(new Promise((_, r) => (reject = r)), 10, report);
    reject(new Error("too late"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(report.said, ["late", "failed late: Error: too late"]);
  });

  test("a value that is not a promise is not waited for", async () => {
    const report = recorder();
    await settleWithin(undefined, 1, report);
    await settleWithin(42, 1, report);
    assert.deepEqual(report.said, []);
  });
});

describe("handlerTimeoutMs", () => {
  test("HOTLOAD_HANDLER_TIMEOUT_MS sets the wait; anything but a positive number keeps the default", () => {
    assert.equal(handlerTimeoutMs(readEnv({ HOTLOAD_HANDLER_TIMEOUT_MS: "250" })), 250);
    assert.equal(handlerTimeoutMs(readEnv({})), 5_000);
    assert.equal(handlerTimeoutMs(readEnv({ HOTLOAD_HANDLER_TIMEOUT_MS: "soon" })), 5_000);
    assert.equal(handlerTimeoutMs(readEnv({ HOTLOAD_HANDLER_TIMEOUT_MS: "0" })), 5_000);
  });
});
