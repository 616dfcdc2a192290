// hotload: `node --import hotload app.mjs`. leaf.mjs (written by the bench) is imported once;
// this module is its accept boundary, so a save re-imports leaf.mjs alone. A new leaf without
// `seq` is an empty file that was applied (a torn save): say so.
import "./leaf.mjs";

import.meta.hot.accept("./leaf.mjs", (leaf) => {
  if (leaf?.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);
});

// hotload's watcher never keeps a process alive; this timer does.
setInterval(() => {}, 1 << 30);
console.log("@@ready");
