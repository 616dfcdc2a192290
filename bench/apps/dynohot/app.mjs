// dynohot: `node --import dynohot app.mjs`. Same shape as the hotload app: this module accepts
// updates of leaf.mjs (dynohot's import.meta.hot.accept(specifier, callback)); a new leaf without
// `seq` is an empty file that was applied (a torn save).
import "./leaf.mjs";

import.meta.hot.accept("./leaf.mjs", (leaf) => {
  if (leaf?.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);
});

setInterval(() => {}, 1 << 30);
console.log("@@ready");
