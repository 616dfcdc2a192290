/**
 * Loaded (--import) into the one process the unit tests share (scripts/test.mjs runs them with
 * --test-isolation=none): what one test leaves behind must not reach the next.
 * - After each test, the event loop turns once: a warning or a callback the test queued (Node
 *   emits warnings on the next tick, which a chain of synchronous tests never reaches) happens
 *   while that test is still the one running, not inside the next test's listeners.
 * - What hotload prints on stderr while a test runs it in process (a failed update says so) is
 *   shown only when that test fails (see held-output.ts).
 */
import { afterEach } from "node:test";
import { holdStderrPerTest } from "./held-output.js";

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
holdStderrPerTest();
