// The route the bench edits: its body says which version runs.
export default async function status(app) {
  app.get("/status", async () => ({ version: "v0", users: app.db.count("users"), items: app.db.count("items") }));
}
// pad:
