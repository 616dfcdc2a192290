// Off the edited chain: its rows stay across updates.
const tables = { users: [], items: [] };
let nextId = 1;

export const db = {
  all: (table, where = {}) => tables[table].filter((row) => Object.entries(where).every(([k, v]) => row[k] === v)),
  insert(table, row) {
    const stored = { id: nextId++, ...row };
    tables[table].push(stored);
    return stored;
  },
  count: (table) => tables[table].length,
};

for (const name of ["ada", "grace", "linus"]) {
  const user = db.insert("users", { name });
  db.insert("items", { owner: user.id, title: `${name}'s notes` });
}
