// The hotload command's restart path: `hotload app.mjs`. Nothing accepts leaf.mjs and the entry
// declines updates, so a change to it cannot be applied (not even in place, as it would be for an
// entry with no hot code) and the supervisor restarts the app.
import * as leaf from "./leaf.mjs";

import.meta.hot?.decline();

// An empty leaf.mjs (a save caught between its truncation and its write) is a torn save.
if (leaf.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);

setInterval(() => {}, 1 << 30);
console.log("@@ready");
