// hot-esm: `node --experimental-loader hot-esm app.mjs`. hot-esm only invalidates: the app has to
// import() again to get new code (its README: "place an import() expression ... often enough").
// This app polls every millisecond, the fastest a timer goes. A new leaf without `seq` is an
// empty file that was applied (a torn save).
let last = await import("./leaf.mjs");
async function poll() {
  const leaf = await import("./leaf.mjs");
  if (leaf !== last && leaf.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);
  last = leaf;
  setTimeout(poll, 1);
}
console.log("@@ready");
setTimeout(poll, 1);
