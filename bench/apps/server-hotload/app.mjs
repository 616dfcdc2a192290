// Zero downtime under hotload: the server is created once and kept in import.meta.hot.data; an
// update of route.mjs only swaps the handler. The bench picks the port (PORT).
import { createServer } from "node:http";
import { handle } from "./route.mjs";

const data = import.meta.hot.data;
data.handle = handle;
if (!data.server) {
  data.server = createServer((req, res) => data.handle(req, res));
  data.server.keepAliveTimeout = 10_000;
  data.server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("@@ready"));
}

import.meta.hot.accept("./route.mjs", (route) => {
  data.handle = route.handle;
});
