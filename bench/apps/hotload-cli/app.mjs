// The hotload command's restart path: `hotload app.mjs`. Nothing accepts leaf.mjs, so a change
// to it cannot be applied in place and the supervisor restarts the app.
import './leaf.mjs';

setInterval(() => {}, 1 << 30);
console.log('@@ready');
