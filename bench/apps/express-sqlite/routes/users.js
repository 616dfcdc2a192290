const { Router } = require("express");
const users = require("../services/users");

const router = Router();
router.get("/", (req, res) => res.json(users.list()));
router.get("/:id", (req, res) => {
  const user = users.find(Number(req.params.id));
  if (user) res.json(user);
  else res.status(404).json({ error: "no such user" });
});
router.post("/", (req, res) => res.status(201).json(users.create(req.body)));

module.exports = router;
