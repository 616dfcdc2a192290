// Memory of in-place updates: a plain node:http server with no hot code. The bench saves
// route.mjs (written by the bench; it exports `seq`, the save counter, and `handle`) and requests
// the new response after each save. Run as `node --expose-gc --import hotload app.mjs` (hotload
// re-runs this entry in place on every save) or `node --expose-gc --import ./reload.mjs app.mjs`
// (the floor: a plain re-import of route and entry under new URLs, see reload.mjs). When the
// version numbered in BENCH_MEM_AT listens, it collects garbage and prints
// `@@mem <updates> <rss> <heapUsed> <heapTotal> <external>`, as ../memory/app.mjs does.
import { createServer } from "node:http";
import { handle, seq } from "./route.mjs";

const at = new Set((process.env.BENCH_MEM_AT ?? "").split(",").filter(Boolean).map(Number));

async function report(label) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  console.log(`@@mem ${label} ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external}`);
}

const server = createServer((req, res) => handle(req, res));
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  if (seq === 0) console.log("@@ready");
  if (at.has(seq)) setImmediate(() => report(seq));
});
