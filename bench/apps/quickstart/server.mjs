// server.mjs: plain Express, nothing about hotload in it (the README's quick start; the bench gives
// the port and the host).
import express from "express";
import { home } from "./routes.mjs";

const app = express();
app.get("/", home);
const server = app.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => server.close());
