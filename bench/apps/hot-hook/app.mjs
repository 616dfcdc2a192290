// hot-hook: `node --import hot-hook/register app.mjs`. A hot-hook boundary must be imported
// dynamically with `import.meta.hot.boundary`; when the file changes hot-hook invalidates it and
// calls the dispose handlers registered by the old version (leaf.mjs registers one that calls
// globalThis.__reload), and the next import() gets the new version.
async function load() {
  await import('./leaf.mjs', import.meta.hot?.boundary);
}
globalThis.__reload = () => setImmediate(load);
await load();

setInterval(() => {}, 1 << 30);
console.log('@@ready');
