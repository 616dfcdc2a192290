// A module with state of its own (the cart), and state it imports (the prices).
import { priceOf } from "./prices.mjs";

const items = [];

export const add = (item) => void items.push(item);
export const count = () => items.length;
export const total = () => items.reduce((sum, item) => sum + priceOf(item), 0);
