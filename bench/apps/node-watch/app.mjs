// node --watch app.mjs: every change to a loaded file restarts the process; the new leaf.mjs
// prints its line when the restarted child imports it.
import './leaf.mjs';

setInterval(() => {}, 1 << 30);
console.log('@@ready');
