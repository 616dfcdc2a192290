// The app's data, decorated on the root instance (skip-override, as fastify-plugin would do).
import { db } from "../store/db.mjs";

export default async function store(app) {
  app.decorate("db", db);
}
store[Symbol.for("skip-override")] = true;
