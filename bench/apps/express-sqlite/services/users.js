const knex = require("../db/query");

module.exports = {
  list: () => knex("users").select(),
  find: (id) => knex("users").where({ id }).first(),
  create: ({ name }) => knex("users").insert({ name: String(name ?? "anonymous") }),
  count: () => knex("users").count(),
};
