import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ModuleGraph } from "../../src/engine/modules/graph.js";
import { propagate, type PropagationView, type UpdatePlan } from "../../src/engine/update/propagate.js";
import { assertGraphConsistent } from "../helpers/graph.js";

interface Setup {
  /** `"a -> b"`: a imports b. Importers are listed in the order their edges appear. */
  readonly edges: readonly string[];
  /** Modules that called `accept()` on themselves. */
  readonly self?: readonly string[];
  /** `"a -> b"`: a called `accept("b", cb)`. */
  readonly accepts?: readonly string[];
  /** Modules that called `decline()`. */
  readonly declined?: readonly string[];
  /** Modules that are not hot. */
  readonly cold?: readonly string[];
  /** Modules loaded as program entries; `["main"]` unless given. */
  readonly entries?: readonly string[];
  /** Modules that called `acceptExports` (partial self-accept). */
  readonly partial?: readonly string[];
  /** `"a -> b"`: a imports only exports of b that b accepts. */
  readonly onlyAccepted?: readonly string[];
}

const pair = (edge: string): [string, string] => edge.split("->").map((s) => s.trim()) as [string, string];

/** A real ModuleGraph plus the accept state, seen through a PropagationView like the runtime's. */
function fake(setup: Setup): PropagationView {
  const graph = new ModuleGraph();
  const cold = new Set(setup.cold);
  for (const [from, to] of setup.edges.map(pair)) {
    graph.ensure(from, !cold.has(from));
    graph.ensure(to, !cold.has(to));
    graph.addEdge(from, to);
  }
  assertGraphConsistent(graph);
  const self = new Set(setup.self);
  const accepts = new Set((setup.accepts ?? []).map((edge) => pair(edge).join(" -> ")));
  const declined = new Set(setup.declined);
  const partial = new Set(setup.partial);
  const onlyAccepted = new Set((setup.onlyAccepted ?? []).map((edge) => pair(edge).join(" -> ")));
  for (const url of setup.entries ?? ["main"]) {
    const node = graph.get(url);
    if (node) node.entry = true;
  }
  const view = {
    importers: (url: string): Iterable<string> => graph.get(url)?.importers ?? [],
    isHot: (url: string): boolean => graph.get(url)?.hot ?? false,
    isEntry: (url: string): boolean => graph.get(url)?.entry ?? false,
    acceptsSelf: (url: string): boolean => self.has(url),
    acceptsDep: (importer: string, dep: string): boolean => accepts.has(`${importer} -> ${dep}`),
    declined: (url: string): boolean => declined.has(url),
    acceptsExports: (url: string): boolean => partial.has(url),
    importsOnlyAccepted: (importer: string, dep: string): boolean => onlyAccepted.has(`${importer} -> ${dep}`),
  };
  return view;
}

function plan(result: ReturnType<typeof propagate>): UpdatePlan {
  assert.equal(result.kind, "update", `expected an update plan, got ${JSON.stringify(result)}`);
  return result as UpdatePlan;
}

function assertOnce(invalidated: readonly string[]): void {
  assert.equal(invalidated.length, new Set(invalidated).size, `invalidated twice: ${invalidated.join(", ")}`);
}

describe("propagate to boundaries", () => {
  test("a self-accepting module is its own boundary and the only module invalidated", () => {
    const view = fake({ edges: ["main -> a"], self: ["a"] });
    assert.deepEqual(propagate(["a"], view), {
      kind: "update",
      boundaries: [{ url: "a", self: true, deps: [] }],
      invalidated: ["a"],
    });
  });

  test("an importer that accepts the changed dependency is the boundary and is not invalidated", () => {
    const view = fake({ edges: ["main -> parent", "parent -> dep"], accepts: ["parent -> dep"] });
    assert.deepEqual(propagate(["dep"], view), {
      kind: "update",
      boundaries: [{ url: "parent", self: false, deps: ["dep"] }],
      invalidated: ["dep"],
    });
  });

  test("a chain up to a self-accepting ancestor invalidates every module between, once each", () => {
    const view = fake({ edges: ["main -> top", "top -> m2", "m2 -> m1", "m1 -> leaf"], self: ["top"] });
    const result = plan(propagate(["leaf"], view));
    assert.deepEqual(result.boundaries, [{ url: "top", self: true, deps: [] }]);
    assert.deepEqual(result.invalidated, ["leaf", "m1", "m2", "top"]);
  });

  test("in a diamond, the shared ancestor is the boundary once and every module is invalidated once", () => {
    const view = fake({
      edges: ["main -> top", "top -> left", "top -> right", "left -> bottom", "right -> bottom"],
      self: ["top"],
    });
    const result = plan(propagate(["bottom"], view));
    assert.deepEqual(result.boundaries, [{ url: "top", self: true, deps: [] }]);
    assertOnce(result.invalidated);
    assert.deepEqual([...result.invalidated].sort(), ["bottom", "left", "right", "top"]);
    assert.equal(result.invalidated[0], "bottom");
  });

  test("in a diamond whose sides accept the bottom, both sides are boundaries and neither is invalidated", () => {
    const view = fake({
      edges: ["main -> left", "main -> right", "left -> bottom", "right -> bottom"],
      accepts: ["left -> bottom", "right -> bottom"],
    });
    assert.deepEqual(propagate(["bottom"], view), {
      kind: "update",
      boundaries: [
        { url: "left", self: false, deps: ["bottom"] },
        { url: "right", self: false, deps: ["bottom"] },
      ],
      invalidated: ["bottom"],
    });
  });

  test("a diamond with one accepting side still dead-ends when the other side reaches the entry", () => {
    const view = fake({
      edges: ["main -> left", "main -> right", "left -> bottom", "right -> bottom"],
      accepts: ["left -> bottom"],
    });
    assert.deepEqual(propagate(["bottom"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "bottom",
      chain: ["bottom", "right", "main"],
    });
  });

  test("a cycle below a self-accepting module terminates and invalidates each module once", () => {
    const view = fake({ edges: ["main -> top", "top -> a", "a -> b", "b -> a"], self: ["top"] });
    const result = plan(propagate(["b"], view));
    assert.deepEqual(result.boundaries, [{ url: "top", self: true, deps: [] }]);
    assertOnce(result.invalidated);
    assert.deepEqual([...result.invalidated].sort(), ["a", "b", "top"]);
  });

  test("a cycle through a self-accepting boundary stops at the boundary", () => {
    const view = fake({ edges: ["main -> boundary", "boundary -> c", "c -> boundary"], self: ["boundary"] });
    assert.deepEqual(propagate(["c"], view), {
      kind: "update",
      boundaries: [{ url: "boundary", self: true, deps: [] }],
      invalidated: ["c", "boundary"],
    });
  });

  test("a cycle through a dep-accepting boundary stops at the boundary without invalidating it", () => {
    const view = fake({ edges: ["main -> boundary", "boundary -> c", "c -> boundary"], accepts: ["boundary -> c"] });
    assert.deepEqual(propagate(["c"], view), {
      kind: "update",
      boundaries: [{ url: "boundary", self: false, deps: ["c"] }],
      invalidated: ["c"],
    });
  });

  test("a cycle through the entry with no accepting module is a dead end, not an update without boundaries", () => {
    // main is the program entry and imports dep, which imports main back (a common circular import).
    const view = fake({ edges: ["main -> dep", "dep -> main"] });
    const result = propagate(["dep"], view);
    assert.equal(result.kind, "dead-end", `expected a dead end, got ${JSON.stringify(result)}`);
    assert.equal(result.reason, "unaccepted");
    assert.equal(result.changed, "dep");
    assert.equal(result.chain[0], "dep");
    assert.ok(result.chain.includes("main"));
  });

  test("several changed files in one call share one plan", () => {
    const view = fake({
      edges: ["main -> a", "main -> parent", "parent -> b", "parent -> c"],
      self: ["a"],
      accepts: ["parent -> b", "parent -> c"],
    });
    assert.deepEqual(propagate(["a", "b", "c"], view), {
      kind: "update",
      boundaries: [
        { url: "a", self: true, deps: [] },
        { url: "parent", self: false, deps: ["b", "c"] },
      ],
      invalidated: ["a", "b", "c"],
    });
  });

  test("several changed files on one chain invalidate the shared modules once", () => {
    const view = fake({ edges: ["main -> top", "top -> mid", "mid -> leaf"], self: ["top"] });
    const result = plan(propagate(["leaf", "mid"], view));
    assert.deepEqual(result.boundaries, [{ url: "top", self: true, deps: [] }]);
    assert.deepEqual(result.invalidated, ["leaf", "mid", "top"]);
  });

  test("one dead end among several changed files makes the whole update a dead end", () => {
    const view = fake({ edges: ["main -> a", "main -> b"], self: ["a"] });
    assert.deepEqual(propagate(["a", "b"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "b",
      chain: ["b", "main"],
    });
  });

  test("a module in invalidatedSelf propagates to its importers even though it accepts itself", () => {
    const view = fake({ edges: ["main -> parent", "parent -> child"], self: ["child", "parent"] });
    assert.deepEqual(propagate(["child"], view, new Set(["child"])), {
      kind: "update",
      boundaries: [{ url: "parent", self: true, deps: [] }],
      invalidated: ["child", "parent"],
    });
  });

  test("a module in invalidatedSelf with no accepting importer is a dead end", () => {
    const view = fake({ edges: ["main -> child"], self: ["child"] });
    assert.deepEqual(propagate(["child"], view, new Set(["child"])), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "child",
      chain: ["child", "main"],
    });
  });

  test("no changed files is an empty update", () => {
    assert.deepEqual(propagate([], fake({ edges: [] })), { kind: "update", boundaries: [], invalidated: [] });
  });
});

describe("propagate to dead ends", () => {
  test("a chain with no accepting module dead-ends at the entry, naming the chain from the changed file", () => {
    const view = fake({ edges: ["main -> a", "a -> b"] });
    assert.deepEqual(propagate(["b"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "b",
      chain: ["b", "a", "main"],
    });
  });

  test("a changed entry that does not accept itself is a dead end of its own", () => {
    const view = fake({ edges: ["main -> a"] });
    assert.deepEqual(propagate(["main"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "main",
      chain: ["main"],
    });
  });

  test("an entry that another module also imports ends propagation there", () => {
    // e.g. `--import ./setup.mjs`, which app.mjs imports as well.
    const view = fake({ edges: ["app -> setup", "setup -> dep"], entries: ["app", "setup"] });
    const result = propagate(["dep"], view);
    assert.equal(result.kind, "dead-end", JSON.stringify(result));
    assert.equal(result.reason, "unaccepted");
    assert.deepEqual(result.chain.slice(0, 2), ["dep", "setup"]);
  });

  test("a cycle that no entry reaches and nothing accepts is a dead end", () => {
    const view = fake({ edges: ["a -> b", "b -> a"], entries: [] });
    const result = propagate(["b"], view);
    assert.equal(result.kind, "dead-end", JSON.stringify(result));
    assert.equal(result.reason, "unaccepted");
    assert.equal(result.changed, "b");
  });

  test("a dead end's chain starts at the changed file that failed, even past modules another changed file invalidated", () => {
    const view = fake({
      edges: ["main -> top", "top -> x", "x -> a", "x -> b", "main -> y", "y -> b"],
      self: ["top"],
    });
    assert.deepEqual(propagate(["a", "b"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "b",
      chain: ["b", "y", "main"],
    });
  });

  test("a non-hot importer ends propagation, and is the last link of the chain", () => {
    const view = fake({ edges: ["main -> cold", "cold -> a", "a -> b"], cold: ["main", "cold"] });
    assert.deepEqual(propagate(["b"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "b",
      chain: ["b", "a", "cold"],
    });
  });

  test("a non-hot importer ends propagation even when another importer accepts", () => {
    const view = fake({ edges: ["parent -> b", "cold -> b"], accepts: ["parent -> b"], cold: ["cold"] });
    assert.deepEqual(propagate(["b"], view), {
      kind: "dead-end",
      reason: "unaccepted",
      changed: "b",
      chain: ["b", "cold"],
    });
  });

  test("a declined module on the path stops propagation with reason declined", () => {
    const view = fake({ edges: ["main -> top", "top -> mid", "mid -> leaf"], self: ["top"], declined: ["mid"] });
    assert.deepEqual(propagate(["leaf"], view), {
      kind: "dead-end",
      reason: "declined",
      changed: "leaf",
      chain: ["leaf", "mid"],
    });
  });

  test("a declined module that also accepts the changed dependency still declines", () => {
    const view = fake({ edges: ["main -> parent", "parent -> leaf"], accepts: ["parent -> leaf"], declined: ["parent"] });
    assert.deepEqual(propagate(["leaf"], view), {
      kind: "dead-end",
      reason: "declined",
      changed: "leaf",
      chain: ["leaf", "parent"],
    });
  });

  test("a changed module that declined is a dead end, even when it accepts itself", () => {
    const view = fake({ edges: ["main -> leaf"], self: ["leaf"], declined: ["leaf"] });
    assert.deepEqual(propagate(["leaf"], view), {
      kind: "dead-end",
      reason: "declined",
      changed: "leaf",
      chain: ["leaf"],
    });
  });

  test("a declined module on only one side of a diamond still stops the update", () => {
    const view = fake({
      edges: ["main -> top", "top -> left", "top -> right", "left -> bottom", "right -> bottom"],
      self: ["top"],
      declined: ["right"],
    });
    assert.deepEqual(propagate(["bottom"], view), {
      kind: "dead-end",
      reason: "declined",
      changed: "bottom",
      chain: ["bottom", "right"],
    });
  });
});

describe("propagate with acceptExports (Vite's partial self-accept)", () => {
  test("importers that use only accepted exports are left alone; the module is its own boundary", () => {
    const view = fake({ edges: ["main -> a", "a -> dep"], partial: ["dep"], onlyAccepted: ["a -> dep"] });
    assert.deepEqual(propagate(["dep"], view), {
      kind: "update",
      boundaries: [{ url: "dep", self: true, deps: [] }],
      invalidated: ["dep"],
    });
  });

  test("an importer that uses another export is updated as if the module did not accept", () => {
    const view = fake({
      edges: ["main -> a", "main -> b", "a -> dep", "b -> dep"],
      partial: ["dep"],
      onlyAccepted: ["a -> dep"],
      self: ["b"],
    });
    const result = plan(propagate(["dep"], view));
    assert.deepEqual(result.boundaries, [
      { url: "dep", self: true, deps: [] },
      { url: "b", self: true, deps: [] },
    ]);
    assert.deepEqual(result.invalidated, ["dep", "b"]);
  });

  test("an importer of another export with no boundary above it is a dead end", () => {
    const view = fake({ edges: ["main -> b", "b -> dep"], partial: ["dep"] });
    assert.deepEqual(propagate(["dep"], view), { kind: "dead-end", reason: "unaccepted", changed: "dep", chain: ["dep", "b", "main"] });
  });

  test("a partly accepting module with no importers (an entry) takes the update itself", () => {
    const view = fake({ edges: ["main -> x"], partial: ["main"] });
    assert.deepEqual(propagate(["main"], view), {
      kind: "update",
      boundaries: [{ url: "main", self: true, deps: [] }],
      invalidated: ["main"],
    });
  });

  test("a cold importer of accepted exports only is no dead end", () => {
    const view = fake({ edges: ["main -> cold", "cold -> dep"], cold: ["cold"], partial: ["dep"], onlyAccepted: ["cold -> dep"] });
    assert.equal(propagate(["dep"], view).kind, "update");
  });

  test("an importer that accepts the module is its boundary even when it uses only accepted exports (Vite asks it first)", () => {
    const view = fake({ edges: ["main -> dep"], partial: ["dep"], onlyAccepted: ["main -> dep"], accepts: ["main -> dep"] });
    assert.deepEqual(propagate(["dep"], view), {
      kind: "update",
      boundaries: [
        { url: "dep", self: true, deps: [] },
        { url: "main", self: false, deps: ["dep"] },
      ],
      invalidated: ["dep"],
    });
  });

  test("an accepting importer of a partly accepting module is a boundary beside an importer left alone", () => {
    const view = fake({
      edges: ["main -> a", "main -> b", "a -> dep", "b -> dep"],
      partial: ["dep"],
      onlyAccepted: ["a -> dep", "b -> dep"],
      accepts: ["b -> dep"],
    });
    const result = plan(propagate(["dep"], view));
    assert.deepEqual(result.boundaries, [
      { url: "dep", self: true, deps: [] },
      { url: "b", self: false, deps: ["dep"] },
    ]);
    assert.deepEqual(result.invalidated, ["dep"]);
  });

  test("invalidate() from a partly accepting module goes to every importer", () => {
    const view = fake({ edges: ["main -> a", "a -> dep"], partial: ["dep"], onlyAccepted: ["a -> dep"], self: ["a"] });
    const result = plan(propagate(["dep"], view, new Set(["dep"])));
    assert.deepEqual(result.boundaries, [{ url: "a", self: true, deps: [] }]);
  });
});

describe("modules re-evaluated with another (reevaluatedWith: in place, issue 21)", () => {
  test("a module the view names runs again as if it changed, and its importers are walked up to the boundary", () => {
    const view = {
      ...fake({ edges: ["main -> routes", "routes -> main", "main -> db"], self: ["main"] }),
      reevaluatedWith: (url: string) => (url === "main" ? ["routes"] : []),
    };
    const result = plan(propagate(["main"], view));
    assertOnce(result.invalidated);
    assert.deepEqual([...result.invalidated].sort(), ["main", "routes"]);
    assert.deepEqual(result.boundaries, [{ url: "main", self: true, deps: [] }]);
  });

  test("named modules that reach no boundary make a dead end, as a change of theirs would", () => {
    const view = {
      ...fake({ edges: ["main -> users", "users -> app", "lib -> app"], self: ["main"], cold: ["lib"] }),
      reevaluatedWith: (url: string) => (url === "users" ? ["app"] : []),
    };
    const result = propagate(["users"], view);
    assert.equal(result.kind, "dead-end");
  });
});
