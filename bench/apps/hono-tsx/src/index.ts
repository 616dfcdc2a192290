// A Hono app on @hono/node-server, in TypeScript run through tsx
// (node --import tsx --import hotload src/index.ts), shaped like the one hotload was tried on. No hot code.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { users } from "./routes/users.js";
import { status } from "./routes/status.js";

const app = new Hono();
app.route("/users", users);
app.route("/", status);

const port: number = Number(process.env.PORT);
const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => console.log("listening"));
process.on("SIGTERM", () => server.close());
