const knex = require("../db/query");

module.exports = {
  byOwner: (owner) => knex("items").where({ owner }).select(),
  add: ({ owner, title }) => knex("items").insert({ owner: Number(owner ?? 1), title: String(title ?? "") }),
  count: () => knex("items").count(),
};
