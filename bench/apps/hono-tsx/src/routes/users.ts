import { Hono } from "hono";
import { store } from "../store.js";

export const users = new Hono()
  .get("/", (c) => c.json(store.users()))
  .get("/:id", (c) => {
    const user = store.user(Number(c.req.param("id")));
    return user ? c.json(user) : c.json({ error: "no such user" }, 404);
  })
  .post("/", async (c) => {
    const body: { name?: string } = await c.req.json();
    return c.json(store.add(String(body.name ?? "anonymous")), 201);
  });
