// An Express + SQLite app in CommonJS, shaped like the ones hotload was tried on: routes in
// several files, routes -> services -> db (a knex-like query builder). No hot code.
const { createApp } = require("./app");
const db = require("./db");

db.migrate();
const app = createApp();
const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => server.close());
