// The route the bench edits: its body says which version runs.
import { Hono } from "hono";
import { store } from "../store.js";

interface Status {
  version: string;
  users: number;
}

export const status = new Hono().get("/status", (c) => c.json<Status>({ version: "v0", users: store.users().length }));
// pad:
