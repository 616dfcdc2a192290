// The floor of reloading app.mjs in place, with nothing of hotload: `--import ./reload.mjs`. A
// resolve hook hands a version query on from a versioned module to the project files it imports;
// on each change of route.mjs the servers the running version opened are closed (with their
// connections) and the entry is imported again as `app.mjs?v=N`, which imports `route.mjs?v=N`.
// Node keeps every module it evaluated: two per update, the least any in-place reload can keep.
import { registerHooks } from "node:module";
import { readFileSync, watch } from "node:fs";
import net from "node:net";
import { pathToFileURL } from "node:url";

const VERSION = /\?v=\d+$/;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const version = context.parentURL && VERSION.exec(context.parentURL);
    if (version && resolved.url.startsWith("file:") && !resolved.url.includes("?") && !resolved.url.includes("/node_modules/"))
      return { ...resolved, url: resolved.url + version[0] };
    return resolved;
  },
});

// BENCH_GATE=1: one more module per update, as hotload's gate (src/engine/update/gate.ts): a
// data: module of the same text awaiting the same call.
const gate = process.env.BENCH_GATE === "1";
if (gate) globalThis[Symbol.for("hotload.runtime")] = { gate: async () => {} };
const gateUrl = (id) => `data:text/javascript,${encodeURIComponent(`await globalThis[Symbol.for("hotload.runtime")].gate(${id});`)}`;

const servers = new Set();
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  servers.add(this);
  return listen.apply(this, args);
};

const entry = pathToFileURL(process.argv[1]).href;
const route = new URL("./route.mjs", entry);
// An empty file is a save in progress (truncated, not yet written): not a version.
const read = () => readFileSync(route, "utf8");
let last = read();
let imports = 0;
let running = Promise.resolve();

async function check() {
  const now = read();
  if (now === last || now === "") return;
  last = now;
  const old = [...servers];
  servers.clear();
  await Promise.all(
    old.map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve);
          server.closeAllConnections();
        }),
    ),
  );
  imports++;
  if (gate) await import(gateUrl(imports));
  await import(`${entry}?v=${imports}`);
}

watch(route, () => {
  running = running.then(check, check);
});
