export default async function users(app) {
  app.get("/", async () => app.db.all("users"));
  app.get("/:id", async (req, reply) => {
    const [user] = app.db.all("users", { id: Number(req.params.id) });
    return user ?? reply.code(404).send({ error: "no such user" });
  });
  app.post("/", async (req, reply) => reply.code(201).send(app.db.insert("users", { name: String(req.body?.name ?? "anonymous") })));
}
