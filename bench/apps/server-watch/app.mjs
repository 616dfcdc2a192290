// The same server under `node --watch app.mjs`: every save of route.mjs restarts the process.
import { createServer } from "node:http";
import { handle } from "./route.mjs";

const server = createServer(handle);
server.keepAliveTimeout = 10_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("@@ready"));
