// Memory: `node --expose-gc --import hotload app.mjs`. big.mjs (written by the bench: 10 KB or
// 1 MB of code) is accepted here; when the version numbered in BENCH_MEM_AT runs (and once at start)
// the app collects garbage and prints `@@mem <updates> <rss> <heapUsed> <heapTotal> <external>`.
import "./big.mjs";

const at = new Set((process.env.BENCH_MEM_AT ?? "").split(",").filter(Boolean).map(Number));
const reported = new Set();

async function report(label) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  console.log(`@@mem ${label} ${m.rss} ${m.heapUsed} ${m.heapTotal} ${m.external}`);
}

// Reports go by the `seq` that each version of big.mjs exports (the bench's save counter).
import.meta.hot.accept("./big.mjs", (mod) => {
  if (at.has(mod.seq) && !reported.has(mod.seq)) {
    reported.add(mod.seq);
    setImmediate(() => report(mod.seq));
  }
});

setInterval(() => {}, 1 << 30);
await report(0);
console.log("@@ready");
