// The route the bench edits: its body says which version runs.
const { Router } = require("express");
const users = require("../services/users");
const items = require("../services/items");

const router = Router();
router.get("/status", (req, res) => {
  res.json({ version: "v0", users: users.count(), items: items.count() });
});

module.exports = router;
// pad:
