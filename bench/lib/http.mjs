// HTTP helpers shared by the benchmarks that keep a server under load while it is edited
// (suites/downtime.mjs, inplace.mjs, restart-load.mjs).
import http from "node:http";
import net from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * GET `path` on 127.0.0.1:port. Never rejects: `{ ok: true, body }` for a 200, else
 * `{ ok: false, error }` with the status or the error's code (`timeout` after 10 s).
 */
export function getBody(port, agent, path = "/") {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? { ok: true, body } : { ok: false, error: `HTTP ${res.statusCode}` }));
      res.on("error", (e) => resolve({ ok: false, error: e.code ?? e.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ ok: false, error: e.code ?? e.message }));
  });
}

/**
 * Four request loops against 127.0.0.1:port, two on one keep-alive agent and two on fresh
 * connections. Subclasses say what one loop does in `loop(agent)` (it runs while `running`).
 */
export class RequestLoops {
  constructor(port) {
    this.port = port;
    this.keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
    this.running = false;
    this.loops = [];
  }
  start() {
    this.running = true;
    this.startedAt = performance.timeOrigin + performance.now();
    for (let i = 0; i < 4; i++) this.loops.push(this.loop(i < 2 ? this.keepAlive : false));
  }
  async stop() {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    this.keepAlive.destroy();
  }
  /** One request loop; overridden. */
  async loop(_agent) {}
}
