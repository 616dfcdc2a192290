/**
 * Helpers for the pure unit tests of the core: the graph invariant check, and a way to run a
 * synchronous computation (a graph walk, a line classification) with a deadline: a quadratic or
 * backtracking one blocks the thread, so a plain test timeout could never fire.
 */
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import type { ModuleGraph } from "../../src/engine/modules/graph.js";

/**
 * Asserts the graph invariants: every import has the mirrored importer and vice versa, both ends
 * of every edge are known modules, and no module imports itself.
 */
export function assertGraphConsistent(graph: ModuleGraph): void {
  for (const node of graph.nodes()) {
    assert.ok(!node.imports.has(node.url), `${node.url} imports itself`);
    assert.ok(!node.importers.has(node.url), `${node.url} is its own importer`);
    for (const dep of node.imports) {
      const target = graph.get(dep);
      assert.ok(target, `${node.url} imports unknown module ${dep}`);
      assert.ok(target.importers.has(node.url), `${node.url} imports ${dep}, but ${dep} does not list it as importer`);
    }
    for (const parent of node.importers) {
      const source = graph.get(parent);
      assert.ok(source, `${node.url} has unknown importer ${parent}`);
      assert.ok(source.imports.has(node.url), `${parent} is listed as importer of ${node.url}, but does not import it`);
    }
  }
}

/**
 * Runs `body` (the source of an async function body, CommonJS context, `data` in scope) in a
 * worker thread and resolves with what it returns. Rejects when it takes longer than `ms`: the
 * worker is terminated, so a runaway synchronous loop cannot hang the test run.
 */
export function runWithDeadline<T>(body: string, data: unknown, ms: number): Promise<T> {
  const code = `
    const { parentPort, workerData: data } = require("node:worker_threads");
    (async () => { ${body} })().then(
      (value) => parentPort.postMessage({ ok: true, value }),
      (error) => parentPort.postMessage({ ok: false, error: String(error && error.stack || error) }),
    );
  `;
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: data });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`did not finish within ${ms} ms`));
    }, ms);
    worker.once("message", (message: { ok: boolean; value?: T; error?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (message.ok) resolve(message.value as T);
      else reject(new Error(message.error));
    });
    worker.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
