/**
 * A steady request loop against a local server (keep-alive and fresh connections), recording
 * when each response body was first seen and every failed request: what "no request fails and
 * each edit is served within N ms" is measured with.
 */
import { Agent, request } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

/** Bounds of each loop, whatever happens. */
const MAX_REQUESTS_PER_LOOP = 40_000;
/** Pause of each loop between a response and its next request. */
const PAUSE_MS = 4;

/** One answer. */
export interface Response {
  readonly status: number;
  readonly body: string;
}

/** GET `path` from 127.0.0.1:`port` on `agent`'s connections, or a fresh one (`false`). */
export function get(port: number, agent: Agent | false, path = "/"): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent, headers: agent ? {} : { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.setTimeout(2_000, () => req.destroy(new Error("no response within 2 s")));
    req.on("error", reject);
    req.end();
  });
}

type Kind = "keepAlive" | "fresh";

/** Options of {@link load}. */
export interface LoadOptions {
  /** Concurrent loops on keep-alive connections, and on fresh ones. */
  readonly keepAliveLoops?: number;
  readonly freshLoops?: number;
  /** The loops stop by themselves after this long. */
  readonly maxMs?: number;
}

/** The running request loops of {@link load}. */
export interface Traffic {
  readonly failures: string[];
  readonly served: { keepAlive: number; fresh: number };
  /** When `body` was first received, on any connection (undefined: never). */
  firstSeen(body: string): number | undefined;
  /** Resolves when `body` has been served on both kinds of connection (rejects after `ms`). */
  seen(body: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Request loops against `port` until stopped; a body `known` rejects counts as a failure. */
export function load(port: number, known: (body: string) => boolean, options: LoadOptions = {}): Traffic {
  const { keepAliveLoops = 2, freshLoops = 2, maxMs = 8_000 } = options;
  const firstSeen = { keepAlive: new Map<string, number>(), fresh: new Map<string, number>() };
  const failures: string[] = [];
  const served = { keepAlive: 0, fresh: 0 };
  const waiters = new Set<() => void>();
  const keepAlive = new Agent({ keepAlive: true, maxSockets: keepAliveLoops });
  const started = performance.now();
  let stopped = false;

  const loop = async (kind: Kind): Promise<void> => {
    for (let i = 0; i < MAX_REQUESTS_PER_LOOP && !stopped && performance.now() - started < maxMs; i++) {
      try {
        const { status, body } = await get(port, kind === "keepAlive" ? keepAlive : false);
        const at = performance.now();
        if (status !== 200 || !known(body)) {
          failures.push(`${kind}: ${status} ${JSON.stringify(body.slice(0, 200))}`);
        } else {
          served[kind]++;
          if (!firstSeen[kind].has(body)) {
            firstSeen[kind].set(body, at);
            for (const wake of waiters) wake();
          }
        }
      } catch (error) {
        failures.push(`${kind}: ${String(error)}`);
      }
      // A steady stream, not a flood: leave the two processes CPU for the updates.
      await delay(PAUSE_MS);
    }
  };
  const loops = [
    ...Array.from({ length: keepAliveLoops }, () => loop("keepAlive")),
    ...Array.from({ length: freshLoops }, () => loop("fresh")),
  ];

  return {
    failures,
    served,
    firstSeen(body) {
      const times = [firstSeen.keepAlive.get(body), firstSeen.fresh.get(body)].filter((t) => t !== undefined);
      return times.length ? Math.min(...times) : undefined;
    },
    seen(body, ms = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if ((keepAliveLoops > 0 && !firstSeen.keepAlive.has(body)) || (freshLoops > 0 && !firstSeen.fresh.has(body))) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `${JSON.stringify(body)} not served on both kinds of connection within ${ms} ms; failures: ${failures.slice(0, 5).join("; ")}`,
            ),
          );
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      keepAlive.destroy();
    },
  };
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One line on a run: the latencies of its edits (ms, save → first response) and its requests. */
export function loadSummary(name: string, latencies: readonly number[], traffic: Traffic): string {
  return (
    `${name}: save → first response with the new body: max ${Math.max(...latencies).toFixed(1)} ms, ` +
    `median ${median(latencies).toFixed(1)} ms; ${traffic.served.keepAlive} keep-alive and ` +
    `${traffic.served.fresh} fresh-connection responses, ${traffic.failures.length} failed`
  );
}
