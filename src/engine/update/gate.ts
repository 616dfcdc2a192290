/**
 * The gate of one update. Every new ES module version of an update imports one tiny module (a
 * line appended after the file's last line) that awaits a promise. Node evaluates nothing before
 * the whole graph has loaded and linked, so the gate is reached only when there is no syntax or
 * link error: the runtime disposes the old versions then, and opens the gate.
 */
import { gateUrl } from "../../shared/urls.js";

/** One update's gate: its module URL, and the promises that connect it to the runtime. */
export class Gate {
  readonly id: number;
  readonly url: string;
  readonly reached: Promise<void>;
  #arrived!: () => void;
  #open!: () => void;
  readonly #opened: Promise<void>;

  constructor(id: number) {
    this.id = id;
    this.url = gateUrl(id);
    this.reached = new Promise((resolve) => (this.#arrived = resolve));
    this.#opened = new Promise((resolve) => (this.#open = resolve));
  }

  /** The gate module is evaluating: report it, and wait until the gate opens. */
  arrive(): Promise<void> {
    this.#arrived();
    return this.#opened;
  }

  /** Lets the waiting new versions evaluate. */
  open(): void {
    this.#open();
  }
}
