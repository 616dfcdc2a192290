// The demo: `npm run demo` from the repository root, then open http://localhost:3000 and edit
// routes.mjs or greeting.mjs (or this file). The HTTP server is created once and survives every
// update; requests go through one stable handler whose implementation is swapped.
import { createServer } from "node:http";
import { swappable } from "hotload/api";
import { handle } from "./routes.mjs";

const data = import.meta.hot?.data ?? {};
const handler = (data.handler ??= swappable(handle));
handler.swap(handle); // a new version of this file brings the routes it imported

if (!data.server) {
  data.server = createServer(handler).listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`ready on http://localhost:${data.server.address().port}: edit examples/demo/routes.mjs or greeting.mjs`);
  });
}

// routes.mjs changed (or something it imports): this file is not re-evaluated, the handler is swapped.
import.meta.hot?.accept("./routes.mjs", (next) => {
  handler.swap(next.handle);
  console.log("routes swapped, no restart");
});
// This file changed: it is re-evaluated and finds its server in import.meta.hot.data.
import.meta.hot?.accept();
