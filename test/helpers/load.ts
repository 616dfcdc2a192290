/**
 * A request loop against a local HTTP server, as a user's traffic during a restart: several
 * clients in parallel, each sending its next request as soon as the last one answered, over
 * keep-alive connections or a fresh connection per request. Every failure is kept with its reason.
 */
import { Agent, get } from "node:http";
import { createServer } from "node:net";

/** What a loop saw. */
export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  /** The first failures' reasons ("ECONNREFUSED", "status 502"...). */
  readonly reasons: readonly string[];
  /** Every distinct response body. */
  readonly bodies: ReadonlySet<string>;
}

/** A running loop. */
export interface Load {
  /** Counts so far. */
  snapshot(): LoadResult;
  /** Stops sending; resolves once the requests in flight have ended. */
  stop(): Promise<LoadResult>;
}

/** Starts `clients` request loops to http://127.0.0.1:`port`/ (or to a unix socket at `socketPath`). */
export function startLoad(port: number, options: { keepAlive: boolean; clients?: number; socketPath?: string }): Load {
  const agent = new Agent({ keepAlive: options.keepAlive, maxSockets: options.clients ?? 4 });
  let ok = 0;
  let failed = 0;
  const reasons: string[] = [];
  const bodies = new Set<string>();
  let running = true;
  let stopped: Promise<LoadResult> | undefined;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const fail = (reason: string): void => {
        failed++;
        if (reasons.length < 20) reasons.push(reason);
        resolve();
      };
      const where = options.socketPath === undefined ? { host: "127.0.0.1", port } : { socketPath: options.socketPath };
      const request = get({ ...where, path: "/", agent }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          if (response.statusCode === 200) {
            ok++;
            bodies.add(body.trim().replace(/ pid=\d+$/, ""));
            resolve();
          } else fail(`status ${response.statusCode}`);
        });
        response.on("error", (error) => fail(`${(error as NodeJS.ErrnoException).code ?? error.message} (response)`));
      });
      request.on("error", (error) => fail((error as NodeJS.ErrnoException).code ?? error.message));
      request.setTimeout(10_000, () => request.destroy(new Error("timeout")));
    });
  const loop = async (): Promise<void> => {
    while (running) await one();
  };
  const loops = Array.from({ length: options.clients ?? 4 }, loop);
  const snapshot = (): LoadResult => ({ ok, failed, reasons: [...reasons], bodies: new Set(bodies) });
  return {
    snapshot,
    stop() {
      running = false;
      stopped ??= Promise.all(loops).then(() => {
        agent.destroy();
        return snapshot();
      });
      return stopped;
    },
  };
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
