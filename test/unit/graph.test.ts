import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ModuleGraph } from "../../src/engine/modules/graph.js";
import { assertGraphConsistent } from "../helpers/graph.js";

interface Shape {
  /** Hot modules loaded as program entries. */
  readonly entries?: readonly string[];
  /** Modules that are not hot (e.g. a CommonJS file or a package importing a hot one). */
  readonly cold?: readonly string[];
}

/** A graph from `"a -> b"` edges (a imports b); every module named is hot unless listed as cold. */
function build(edges: readonly string[], shape: Shape = {}): ModuleGraph {
  const graph = new ModuleGraph();
  const cold = new Set(shape.cold);
  const add = (url: string): void => void graph.ensure(url, !cold.has(url));
  for (const url of shape.entries ?? []) add(url);
  for (const url of cold) add(url);
  const pairs = edges.map((edge) => edge.split("->").map((s) => s.trim()) as [string, string]);
  for (const [from, to] of pairs) {
    add(from);
    add(to);
  }
  for (const url of shape.entries ?? []) graph.get(url)!.entry = true;
  for (const [from, to] of pairs) graph.addEdge(from, to);
  assertGraphConsistent(graph);
  return graph;
}

const importsOf = (graph: ModuleGraph, url: string): string[] => [...graph.get(url)!.imports].sort();
const importersOf = (graph: ModuleGraph, url: string): string[] => [...graph.get(url)!.importers].sort();

describe("ModuleGraph edges", () => {
  test("ensure creates a node once and keeps the first node on later calls", () => {
    const graph = new ModuleGraph();
    const node = graph.ensure("a", true);
    assert.deepEqual({ url: node.url, hot: node.hot, entry: node.entry }, { url: "a", hot: true, entry: false });
    assert.equal(graph.ensure("a", false), node);
    assert.equal(graph.size, 1);
    assertGraphConsistent(graph);
  });

  test("addEdge records the import and its mirrored importer", () => {
    const graph = build([]);
    graph.ensure("a", true);
    graph.ensure("b", true);
    graph.addEdge("a", "b");
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), ["b"]);
    assert.deepEqual(importersOf(graph, "b"), ["a"]);
    graph.addEdge("a", "b");
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), ["b"]);
  });

  test("addEdge ignores a module importing itself", () => {
    const graph = build([]);
    graph.ensure("a", true);
    graph.addEdge("a", "a");
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), []);
  });

  test("addEdge between unknown modules throws and leaves the graph unchanged", () => {
    const graph = build([]);
    graph.ensure("a", true);
    assert.throws(() => graph.addEdge("a", "missing"), /unknown modules/);
    assert.throws(() => graph.addEdge("missing", "a"), /unknown modules/);
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), []);
  });

  test("clearImports removes every import of a module, returns them, and keeps its importers", () => {
    const graph = build(["main -> a", "a -> b", "a -> c", "d -> c"]);
    const old = graph.clearImports("a");
    assertGraphConsistent(graph);
    assert.deepEqual([...old].sort(), ["b", "c"]);
    assert.deepEqual(importsOf(graph, "a"), []);
    assert.deepEqual(importersOf(graph, "a"), ["main"]);
    assert.deepEqual(importersOf(graph, "b"), []);
    assert.deepEqual(importersOf(graph, "c"), ["d"]);
  });

  test("clearImports of an unknown module returns an empty set", () => {
    const graph = build(["a -> b"]);
    assert.equal(graph.clearImports("nope").size, 0);
    assertGraphConsistent(graph);
  });

  test("restoreImports puts back what clearImports removed, replacing the imports declared since", () => {
    const graph = build(["main -> a", "a -> b", "a -> c", "a -> new"]);
    graph.clearImports("a");
    graph.addEdge("a", "new");
    assertGraphConsistent(graph);
    graph.restoreImports("a", new Set(["b", "c"]));
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), ["b", "c"]);
    assert.deepEqual(importersOf(graph, "new"), []);
  });

  test("restoreImports skips modules that were deleted in the meantime", () => {
    const graph = build(["a -> b", "a -> c"]);
    const old = graph.clearImports("a");
    graph.delete("c");
    assertGraphConsistent(graph);
    graph.restoreImports("a", old);
    assertGraphConsistent(graph);
    assert.deepEqual(importsOf(graph, "a"), ["b"]);
  });

  test("delete removes a module and every edge touching it", () => {
    const graph = build(["main -> a", "a -> b", "c -> a"]);
    graph.delete("a");
    assertGraphConsistent(graph);
    assert.equal(graph.get("a"), undefined);
    assert.equal(graph.size, 3);
    assert.deepEqual(importsOf(graph, "main"), []);
    assert.deepEqual(importsOf(graph, "c"), []);
    assert.deepEqual(importersOf(graph, "b"), []);
    graph.delete("a");
    assertGraphConsistent(graph);
  });
});

describe("ModuleGraph.unreachable", () => {
  test("a leaf that lost its only importer is unreachable", () => {
    const graph = build(["main -> a", "a -> leaf"], { entries: ["main"] });
    const old = graph.clearImports("a");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), ["leaf"]);
  });

  test("the chain below a module that lost its only importer is unreachable too, top first", () => {
    const graph = build(["main -> a", "a -> b", "b -> c", "c -> d"], { entries: ["main"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), ["a", "b", "c", "d"]);
  });

  test("a module still imported by another rooted module is kept", () => {
    const graph = build(["main -> a", "main -> b", "a -> shared", "b -> shared"], { entries: ["main"] });
    const old = graph.clearImports("a");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), []);
  });

  test("in a diamond, the bottom is kept while one side is still rooted", () => {
    // main -> left -> bottom, main -> right -> bottom; main drops left.
    const graph = build(["main -> left", "main -> right", "left -> bottom", "right -> bottom", "bottom -> deep"], {
      entries: ["main"],
    });
    graph.clearImports("main");
    graph.addEdge("main", "right");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(["left"]), ["left"]);
  });

  test("in a diamond whose top was cut off, both sides and the bottom are unreachable", () => {
    const graph = build(["main -> top", "top -> left", "top -> right", "left -> bottom", "right -> bottom"], {
      entries: ["main"],
    });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old).sort(), ["bottom", "left", "right", "top"]);
  });

  test("a cycle that nothing rooted imports any more is unreachable", () => {
    const graph = build(["main -> a", "a -> b", "b -> c", "c -> a"], { entries: ["main"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old).sort(), ["a", "b", "c"]);
  });

  test("a cycle that is still imported from a rooted module is kept", () => {
    const graph = build(["main -> a", "main -> b", "a -> b", "b -> a"], { entries: ["main"] });
    graph.clearImports("main");
    graph.addEdge("main", "b");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(["a"]), []);
  });

  test("modules imported by a non-hot module are kept", () => {
    const graph = build(["main -> a", "cold -> a", "a -> b"], { entries: ["main"], cold: ["cold"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), []);
  });

  test("a module below a non-hot module that is itself unrooted is still kept (non-hot modules are roots)", () => {
    const graph = build(["main -> cold", "cold -> a"], { entries: ["main"], cold: ["cold"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), []);
  });

  test("entries are kept even without importers", () => {
    const graph = build(["main -> other", "other -> a"], { entries: ["main", "other"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(old), []);
  });

  test("non-hot and unknown candidates are never reported", () => {
    const graph = build(["main -> cold"], { entries: ["main"], cold: ["cold"] });
    graph.clearImports("main");
    assertGraphConsistent(graph);
    assert.deepEqual(graph.unreachable(["cold", "unknown"]), []);
  });

  test("each unreachable module is reported once", () => {
    const graph = build(["main -> a", "a -> b", "a -> c", "b -> d", "c -> d"], { entries: ["main"] });
    const old = graph.clearImports("main");
    assertGraphConsistent(graph);
    const out = graph.unreachable([...old, "a", "d"]);
    assert.equal(out.length, new Set(out).size);
    assert.deepEqual(out.sort(), ["a", "b", "c", "d"]);
  });
});
