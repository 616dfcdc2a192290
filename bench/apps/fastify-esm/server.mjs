// A Fastify app in ES modules, shaped like the ones hotload was tried on: plugins and routes in
// folders, registered from the entry (no fastify-cli). No hot code.
import Fastify from "fastify";
import store from "./plugins/store.mjs";
import users from "./routes/users.mjs";
import items from "./routes/items.mjs";
import status from "./routes/status.mjs";

const app = Fastify();
app.register(store);
app.register(users, { prefix: "/users" });
app.register(items, { prefix: "/items" });
app.register(status);
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
console.log("listening");
process.on("SIGTERM", () => app.close());
