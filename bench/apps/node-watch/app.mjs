// node --watch app.mjs: every change to a loaded file restarts the process; the new leaf.mjs
// prints its line when the restarted child imports it.
import * as leaf from "./leaf.mjs";

// An empty leaf.mjs (a save caught between its truncation and its write) is a torn save.
if (leaf.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);

setInterval(() => {}, 1 << 30);
console.log("@@ready");
