// dynohot: `node --import dynohot app.mjs`. Same shape as the hotload app: this module accepts
// updates of leaf.mjs (dynohot's import.meta.hot.accept(specifier)).
import './leaf.mjs';

import.meta.hot.accept('./leaf.mjs');

setInterval(() => {}, 1 << 30);
console.log('@@ready');
