// node:sqlite in memory where Node has it (22.13+, 24), else a plain JavaScript store with the
// same interface: no native addon to build. Off the edited chain: it keeps its rows across updates.
const sqlite = process.getBuiltinModule("node:sqlite");
const TABLES = { users: ["name"], items: ["owner", "title"] };

function sqliteStore() {
  const db = new sqlite.DatabaseSync(":memory:");
  const statements = new Map();
  const prepare = (sql) => {
    if (!statements.has(sql)) statements.set(sql, db.prepare(sql));
    return statements.get(sql);
  };
  return {
    migrate() {
      db.exec("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
      db.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, title TEXT NOT NULL)");
    },
    select(table, where) {
      const keys = Object.keys(where);
      const sql = `SELECT * FROM ${table}${keys.length ? ` WHERE ${keys.map((k) => `${k} = ?`).join(" AND ")}` : ""}`;
      return prepare(sql).all(...keys.map((k) => where[k]));
    },
    insert(table, row) {
      const cols = TABLES[table];
      const r = prepare(`INSERT INTO ${table} (${cols}) VALUES (${cols.map(() => "?")})`).run(...cols.map((c) => row[c]));
      return { id: Number(r.lastInsertRowid), ...row };
    },
    count(table) {
      return prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
    },
  };
}

function jsStore() {
  const tables = { users: [], items: [] };
  return {
    migrate() {},
    select: (table, where) => tables[table].filter((row) => Object.entries(where).every(([k, v]) => row[k] === v)),
    insert(table, row) {
      const stored = { id: tables[table].length + 1, ...row };
      tables[table].push(stored);
      return stored;
    },
    count: (table) => tables[table].length,
  };
}

const store = sqlite ? sqliteStore() : jsStore();
let seeded = false;

module.exports = {
  ...store,
  migrate() {
    store.migrate();
    if (seeded) return;
    seeded = true;
    for (const name of ["ada", "grace", "linus"]) {
      const user = store.insert("users", { name });
      store.insert("items", { owner: user.id, title: `${name}'s notes` });
    }
  },
};
