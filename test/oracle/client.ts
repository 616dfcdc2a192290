/**
 * The outsider's connections to one running program (a keep-alive client, an HTTP/2 session, event
 * streams, WebSockets, long polls) and its looks at it, through the probes of observer.ts.
 */
import type { Agent } from "node:http";
import type { ClientHttp2Session } from "node:http2";
import { setTimeout as delay } from "node:timers/promises";
import type { Running } from "../helpers/e2e.js";
import {
  children,
  get,
  h2Get,
  h2Session,
  keepAliveAgent,
  openEvents,
  openSocket,
  threads,
  type EventStream,
  type Socket,
  type Target,
} from "./observer.js";
import type { Shape } from "./shapes.js";

/** One look at the program. */
export type Observation = Record<string, unknown>;

export interface InFlight {
  readonly poll?: Promise<string>;
  readonly stream?: EventStream | string;
  readonly socket?: Socket | string;
}

/** The outsider's connections to one running program, and its looks at it. */
export class Client {
  readonly #shape: Shape;
  readonly #target: Target;
  readonly #run: Running;
  #agent: Agent | undefined;
  #session: ClientHttp2Session | string | undefined;
  readonly #streams: EventStream[] = [];
  readonly #sockets: Socket[] = [];

  constructor(shape: Shape, target: Target, run: Running) {
    this.#shape = shape;
    this.#target = target;
    this.#run = run;
  }

  /** The connections that stay open across edits: a keep-alive client, an HTTP/2 session. */
  async open(): Promise<void> {
    if (this.#shape.transport === "none") return;
    if (this.#target.transport === "http2") this.#session = await h2Session(this.#target);
    else this.#agent = keepAliveAgent(this.#target);
  }

  /** What is under way when a save happens: a long poll, an open event stream. */
  async startInFlight(): Promise<InFlight> {
    const { longPoll, sse } = this.#shape;
    const poll = longPoll === undefined ? undefined : get(this.#target, longPoll, false, 5_000);
    // The save comes 300 ms into the poll (which lasts 1.5 s): the edit pattern, not a wait for a result.
    if (poll !== undefined) await delay(300);
    let stream: EventStream | string | undefined;
    if (sse !== undefined) {
      stream = await openEvents(this.#target, sse);
      if (typeof stream !== "string") {
        this.#streams.push(stream);
        await stream.next(1, 2_000); // open and ticking before the save
      }
    }
    let socket: Socket | string | undefined;
    if (this.#shape.webSocket !== undefined) {
      socket = await openSocket(this.#target, this.#shape.webSocket);
      if (typeof socket !== "string") this.#sockets.push(socket);
    }
    return { poll, stream, socket };
  }

  async observe(step: number, inFlight: InFlight): Promise<Observation> {
    const pid = this.#run.child.pid!;
    const observed: Observation = {};
    const shape = this.#shape;
    if (shape.transport !== "none") {
      const answers: string[] = [];
      for (const path of shape.requests ?? ["/"]) answers.push(`GET ${path} → ${await get(this.#target, path)}`);
      observed["requests"] = answers;
      const first = (shape.requests ?? ["/"])[0]!;
      observed["kept connection"] =
        this.#session === undefined ? await get(this.#target, first, this.#agent) : await h2Get(this.#session, first);
    }
    if (inFlight.stream !== undefined) {
      const fresh = await openEvents(this.#target, shape.sse!);
      observed["new event stream"] = typeof fresh === "string" ? fresh : await fresh.next(2, 2_000, 0);
      if (typeof fresh !== "string") fresh.close();
      observed["event stream opened before"] =
        typeof inFlight.stream === "string"
          ? inFlight.stream
          : (await inFlight.stream.next(1, 1_500)).length > 0
            ? "still ticking"
            : "silent";
    }
    if (inFlight.socket !== undefined) {
      const fresh = await openSocket(this.#target, shape.webSocket!);
      observed["new WebSocket"] = typeof fresh === "string" ? fresh : await fresh.ask("hello");
      if (typeof fresh !== "string") fresh.close();
      // Open before the save: it may stay with the version that accepted it, but must still answer.
      const answer = typeof inFlight.socket === "string" ? inFlight.socket : await inFlight.socket.ask("still there?");
      observed["WebSocket opened before"] = answer.replace(/rev \d+( \++)?/g, "rev (any)");
    }
    if (inFlight.poll !== undefined) observed["long poll sent before"] = (await inFlight.poll).replace(/rev \d+( \++)?/g, "rev (any)");
    if (shape.events) observed["event lines"] = await this.#events(step);
    observed["process"] =
      this.#run.child.exitCode === null && this.#run.child.signalCode === null
        ? "running"
        : `exited ${this.#run.child.exitCode ?? this.#run.child.signalCode}`;
    observed["child processes"] = children(pid);
    observed["threads"] = threads(pid);
    return observed;
  }

  /**
   * Sends event `id` and then `spread` more (a pool of `spread` workers answers each of them in
   * turn), waits until those are answered, and returns every line printed for `id`: each event
   * handled once is one line.
   */
  async #events(step: number): Promise<string[]> {
    const events = this.#shape.events!;
    const id = step * 10 + 1;
    const since = this.#run.mark();
    const ids = [id, ...Array.from({ length: events.spread ?? 1 }, (_, k) => id + 1 + k)];
    for (const each of ids) {
      if (events.via === "stdin") this.#run.child.stdin!.write(`${events.send(each)}\n`);
      else await get(this.#target, events.send(each));
    }
    try {
      for (const each of ids.slice(1)) await this.#run.waitForLine(events.answer(each), 5_000, since);
    } catch {
      return [`no answer to events after ${id}`];
    }
    return this.#run.lines.slice(since).filter((line) => events.answer(id).test(line));
  }

  close(): void {
    if (this.#agent) this.#agent.destroy();
    if (typeof this.#session === "object") this.#session.destroy();
    for (const stream of this.#streams) stream.close();
    for (const socket of this.#sockets) socket.close();
  }
}
