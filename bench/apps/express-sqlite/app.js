const express = require("express");
const users = require("./routes/users");
const items = require("./routes/items");
const status = require("./routes/status");

function createApp() {
  const app = express();
  app.use(express.json());
  app.use("/users", users);
  app.use("/items", items);
  app.use(status);
  app.use((err, req, res, next) => res.status(500).json({ error: String(err.message) }));
  return app;
}

module.exports = { createApp };
