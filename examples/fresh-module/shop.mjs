// The module a test imports fresh: everything it imports from the project is fresh with it, so
// the cart and the prices it reads always belong together.
export { add, count, total } from "./cart.mjs";
export { setPrice } from "./prices.mjs";
