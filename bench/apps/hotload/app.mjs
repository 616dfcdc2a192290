// hotload: `node --import hotload app.mjs`. leaf.mjs (written by the bench) is imported once;
// this module is its accept boundary, so a save re-imports leaf.mjs alone.
import './leaf.mjs';

import.meta.hot.accept('./leaf.mjs');

// hotload's watcher never keeps a process alive; this timer does.
setInterval(() => {}, 1 << 30);
console.log('@@ready');
