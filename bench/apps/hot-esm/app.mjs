// hot-esm: `node --experimental-loader hot-esm app.mjs`. hot-esm only invalidates: the app has to
// import() again to get new code (its README: "place an import() expression ... often enough").
// This app polls every millisecond, the fastest a timer goes.
async function poll() {
  await import('./leaf.mjs');
  setTimeout(poll, 1);
}
await import('./leaf.mjs');
console.log('@@ready');
setTimeout(poll, 1);
