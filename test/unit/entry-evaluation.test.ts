import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { EntryEvaluation } from "../../src/engine/hot/entry-evaluation.js";

/** A process as far as EntryEvaluation sees it: an emitter with an exit code. */
function fakeProcess(): NodeJS.Process & { heard: unknown[] } {
  const target = Object.assign(new EventEmitter(), { exitCode: undefined as number | string | undefined, heard: [] as unknown[] });
  target.on("exit", (code) => target.heard.push([code, target.exitCode]));
  return target as unknown as NodeJS.Process & { heard: unknown[] };
}

/** Node's exit when the first version's top-level await never settled. */
function exitAsNode(target: NodeJS.Process): number | string | undefined {
  target.exitCode = 13;
  target.emit("exit", 13);
  return target.exitCode;
}

const never = new Promise<never>(() => {});
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("the first version's abandoned wait does not end the program with 13 once a version that finished runs", () => {
  const target = fakeProcess();
  const entry = new EntryEvaluation(target, () => assert.fail("nothing failed"));
  entry.first(never);
  entry.replaced(undefined);
  assert.equal(exitAsNode(target), 0);
  assert.deepEqual(target.heard, [[0, undefined]], "the exit listeners see what they would after a restart");
});

test("13 stays when the version that runs now still waits, when the first one finished, and when the entry was never replaced", async () => {
  const waiting = fakeProcess();
  const entry = new EntryEvaluation(waiting, () => {});
  entry.first(never);
  entry.replaced({ file: "/app/main.mjs", evaluation: never });
  assert.equal(exitAsNode(waiting), 13);

  const finished = fakeProcess();
  const other = new EntryEvaluation(finished, () => {});
  other.first(Promise.resolve());
  await turn();
  other.replaced(undefined);
  assert.equal(exitAsNode(finished), 13, "not Node's 13 for an abandoned wait: the program's own");

  const untouched = fakeProcess();
  new EntryEvaluation(untouched, () => {}).first(never);
  assert.equal(exitAsNode(untouched), 13);
});

test("a wait that settles after its update was applied counts from then; one that rejects is said once, unless replaced", async () => {
  const target = fakeProcess();
  const failed: string[] = [];
  const entry = new EntryEvaluation(target, (file, error) => failed.push(`${file}: ${String(error)}`));
  entry.first(never);
  let finish!: () => void;
  entry.replaced({ file: "/app/main.mjs", evaluation: new Promise<void>((resolve) => (finish = resolve)) });
  finish();
  await turn();
  assert.equal(exitAsNode(target), 0);

  let reject!: (error: Error) => void;
  entry.replaced({ file: "/app/main.mjs", evaluation: new Promise<void>((_, r) => (reject = r)) });
  reject(new Error("connection refused"));
  await turn();
  assert.deepEqual(failed, ["/app/main.mjs: Error: connection refused"]);

  let rejectOld!: (error: Error) => void;
  entry.replaced({ file: "/app/main.mjs", evaluation: new Promise<void>((_, r) => (rejectOld = r)) });
  entry.replaced(undefined);
  rejectOld(new Error("too late"));
  await turn();
  assert.equal(failed.length, 1, "a replaced version's wait is nobody's");
});
