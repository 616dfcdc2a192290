// hot-hook: `node --import hot-hook/register app.mjs`. A hot-hook boundary must be imported
// dynamically with `import.meta.hot.boundary`; when the file changes hot-hook invalidates it and
// calls the dispose handlers registered by the old version (leaf.mjs registers one that calls
// globalThis.__reload), and the next import() gets the new version. A leaf without `seq` is an
// empty file that was applied (a torn save).
async function load() {
  const leaf = await import("./leaf.mjs", import.meta.hot?.boundary);
  if (leaf.seq === undefined) console.log(`@@hot empty -1 ${performance.timeOrigin + performance.now()}`);
}
globalThis.__reload = () => setImmediate(load);
await load();

setInterval(() => {}, 1 << 30);
console.log("@@ready");
