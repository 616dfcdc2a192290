const { Router } = require("express");
const items = require("../services/items");

const router = Router();
router.get("/", (req, res) => res.json(items.byOwner(Number(req.query.owner ?? 1))));
router.post("/", (req, res) => res.status(201).json(items.add(req.body)));

module.exports = router;
