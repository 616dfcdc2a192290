/**
 * Hotload's walks over the module graph and its classification of a module's first line, timed
 * against a deadline in a worker (a quadratic walk or a backtracking pattern shows as a timeout, a
 * recursive one as a stack overflow). Timed, so here rather than in the unit suite: under load the
 * deadline is the machine's, not the code's.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runWithDeadline } from "../helpers/graph.js";

describe("ModuleGraph.unreachable on a deep graph", () => {
  test("a dropped chain of 100,000 modules is found in linear time", async () => {
    const graphUrl = new URL("../../src/engine/modules/graph.js", import.meta.url).href;
    const body = `
      const { ModuleGraph } = await import(data.graphUrl);
      const n = data.n;
      const graph = new ModuleGraph();
      graph.ensure("main", true).entry = true;
      for (let i = 0; i < n; i++) graph.ensure("m" + i, true);
      graph.addEdge("main", "m0");
      for (let i = 0; i + 1 < n; i++) graph.addEdge("m" + i, "m" + (i + 1));
      const out = graph.unreachable(graph.clearImports("main"));
      return { length: out.length, first: out[0], last: out[out.length - 1] };
    `;
    // A linear walk takes well under a second; the budget only catches quadratic behaviour.
    const result = await runWithDeadline(body, { graphUrl, n: 100_000 }, 5_000);
    assert.deepEqual(result, { length: 100_000, first: "m0", last: "m99999" });
  });
});

describe("propagate on deep graphs", () => {
  test("a chain of 100,000 modules neither overflows the stack nor takes quadratic time", async () => {
    const propagateUrl = new URL("../../src/engine/update/propagate.js", import.meta.url).href;
    const body = `
      const { propagate } = await import(data.propagateUrl);
      const n = data.n;
      // m0 is imported by m1, … by m(n-1), which accepts itself.
      const view = {
        importers: (url) => { const i = Number(url.slice(1)); return i + 1 < n ? ["m" + (i + 1)] : []; },
        isHot: () => true,
        isEntry: () => false,
        acceptsSelf: (url) => url === "m" + (n - 1),
        acceptsDep: () => false,
        declined: () => false,
      };
      const result = propagate(["m0"], view);
      return { kind: result.kind, boundaries: result.boundaries, count: result.invalidated.length };
    `;
    // A linear walk takes well under a second; the budget only catches quadratic behaviour.
    const result = await runWithDeadline(body, { propagateUrl, n: 100_000 }, 5_000);
    assert.deepEqual(result, {
      kind: "update",
      boundaries: [{ url: "m99999", self: true, deps: [] }],
      count: 100_000,
    });
  });

  test("a dead end at the top of a chain of 100,000 modules is reported without overflowing the stack", async () => {
    const propagateUrl = new URL("../../src/engine/update/propagate.js", import.meta.url).href;
    const body = `
      const { propagate } = await import(data.propagateUrl);
      const n = data.n;
      const view = {
        importers: (url) => { const i = Number(url.slice(1)); return i + 1 < n ? ["m" + (i + 1)] : []; },
        isHot: () => true,
        isEntry: (url) => url === "m" + (n - 1),
        acceptsSelf: () => false,
        acceptsDep: () => false,
        declined: () => false,
      };
      const result = propagate(["m0"], view);
      return { kind: result.kind, length: result.chain && result.chain.length, last: result.chain && result.chain.at(-1) };
    `;
    const result = await runWithDeadline(body, { propagateUrl, n: 100_000 }, 5_000);
    assert.deepEqual(result, { kind: "dead-end", length: 100_000, last: "m99999" });
  });
});

describe("injectHot performance", () => {
  test("a first line of 30 space-separated imports, alone or followed by a comment, is classified in linear time", async () => {
    const transformUrl = new URL("../../src/source/edit.js", import.meta.url).href;
    const body = `
      const { injectHot } = await import(data.transformUrl); const { INJECTION } = await import(data.transformUrl.replace("edit.js", "inject.js"));
      const imports = Array.from({ length: 30 }, (_, i) => "import a" + i + ' from "a' + i + '";').join(" ");
      const alone = injectHot(imports + "\\nmore();\\n");
      const commented = injectHot(imports + " // end\\nmore();\\n");
      return {
        alone: alone.shift === 0 && alone.code === imports + INJECTION + "\\nmore();\\n",
        commented: commented.shift === 0 && commented.code === imports + " " + INJECTION + "// end\\nmore();\\n",
      };
    `;
    // Microseconds when linear; one backtracking pattern over the whole line takes minutes here.
    assert.deepEqual(await runWithDeadline(body, { transformUrl }, 2_000), { alone: true, commented: true });
  });
});
