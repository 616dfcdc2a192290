import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { swappable } from "../../src/api.js";

describe("swappable", () => {
  test("callers holding the stable function call the implementation swapped in last", () => {
    const handler = swappable((x: number) => x + 1);
    const held = handler;
    assert.equal(held(1), 2);
    handler.swap((x: number) => x * 10);
    assert.equal(held(2), 20);
    assert.equal(handler.current(3), 30);
  });

  test("this and every argument reach the implementation", () => {
    const target = {
      name: "t",
      call: swappable(function (this: { name: string }, a: string, b: string) {
        return `${this.name}:${a}${b}`;
      }),
    };
    assert.equal(target.call("x", "y"), "t:xy");
  });

  test("only functions can be wrapped or swapped in", () => {
    assert.throws(() => swappable(42 as never), /takes a function/);
    assert.throws(() => swappable(() => 1).swap("no" as never), /takes a function/);
  });
});
