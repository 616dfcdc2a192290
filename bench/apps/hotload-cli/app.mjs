// The hotload command's restart path: `hotload app.mjs`. Nothing accepts leaf.mjs, so a change
// to it cannot be applied in place and the supervisor restarts the app.
import * as leaf from './leaf.mjs';

// An empty leaf.mjs (a save caught between its truncation and its write) is a torn save.
if (leaf.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);

setInterval(() => {}, 1 << 30);
console.log('@@ready');
