// A knex-like query builder over db/index.js: knex("users").where({ id }).first().
const db = require("./index");

class Query {
  constructor(table) {
    this.table = table;
    this.conditions = {};
  }
  where(conditions) {
    Object.assign(this.conditions, conditions);
    return this;
  }
  select() {
    return db.select(this.table, this.conditions);
  }
  first() {
    return this.select()[0];
  }
  insert(row) {
    return db.insert(this.table, row);
  }
  count() {
    return db.count(this.table);
  }
}

module.exports = (table) => new Query(table);
