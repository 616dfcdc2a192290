export default async function items(app) {
  app.get("/", async (req) => app.db.all("items", { owner: Number(req.query.owner ?? 1) }));
  app.post("/", async (req, reply) =>
    reply.code(201).send(app.db.insert("items", { owner: Number(req.body?.owner ?? 1), title: String(req.body?.title ?? "") })),
  );
}
