// A fresh module per test: importFresh() evaluates shop.mjs again, together with the project
// modules it imports (cart.mjs, prices.mjs), so no test sees what another did to their state.
// Packages in node_modules and builtins stay shared. From the repository root, after a build:
//
//   node --import hotload --test examples/fresh-module.test.mjs
//
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { importFresh } from "hotload/api";
import * as programShop from "./fresh-module/shop.mjs";

/** @type {typeof import("./fresh-module/shop.mjs")} */
let shop;

beforeEach(async () => {
  shop = await importFresh("./fresh-module/shop.mjs", import.meta.url);
});

test("a test fills its own cart", () => {
  shop.add("apple");
  shop.add("pear");
  assert.equal(shop.count(), 2);
  assert.equal(shop.total(), 7);
});

test("the next test starts with an empty cart", () => {
  assert.equal(shop.count(), 0);
});

test("a test may change prices: the cart of the same fresh set reads them", () => {
  shop.setPrice("apple", 100);
  shop.add("apple");
  assert.equal(shop.total(), 100);
});

test("and the next test has the original prices back", () => {
  shop.add("apple");
  assert.equal(shop.total(), 3);
});

test("the program's own instance is never touched", () => {
  shop.add("pear");
  assert.notEqual(shop.add, programShop.add);
  assert.equal(programShop.count(), 0);
  assert.equal(programShop.total(), 0);
});
