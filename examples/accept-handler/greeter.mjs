// The module under test: its accept and dispose handlers are what the example checks.
import { greet } from "./greeting.mjs";

// Everyone greeted so far; handed from each version of this module to the next.
const greeted = import.meta.hot?.data.greeted ?? [];
let current = greet;

export const version = 1;

export function welcome(name) {
  greeted.push(name);
  return current(name);
}

export const history = () => [...greeted];

// A new greeting.mjs is used from now on, without running this module again.
import.meta.hot?.accept("./greeting.mjs", (next) => {
  current = next.greet;
});
// A new version of this module takes over, with the history.
import.meta.hot?.accept();
import.meta.hot?.dispose((data) => {
  data.greeted = greeted;
});
