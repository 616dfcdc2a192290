/**
 * The gate of one update. Every new ES module version of an update starts (line 1, see
 * transform.ts) with `await __hotload$gate(id)`. Node evaluates nothing before the whole graph has
 * loaded and linked, so the gate is reached only when there is no syntax or link error: the
 * runtime disposes the old versions then, and opens the gate.
 *
 * The binding comes from one module shared by every update (GATE_IMPORT): a gate module per
 * update would stay in Node's module map for good, one more module kept per update.
 */
import { RUNTIME_SLOT } from "./transform.js";

/** The name line 1 of a new version awaits: imported, so no declaration of the module shadows it. */
const GATE_BINDING = "__hotload$gate";

/** The statement that holds a new version of update `id` until its gate opens. */
export function gateStatement(id: number): string {
  return `await ${GATE_BINDING}(${id});`;
}

/** The import that gives {@link gateStatement} its binding, appended after the module's last line. */
export const GATE_IMPORT: string = `import{gate as ${GATE_BINDING}}from${JSON.stringify(
  `data:text/javascript,${encodeURIComponent(`export const gate=(id)=>globalThis[Symbol.for(${JSON.stringify(RUNTIME_SLOT)})].gate(id);`)}`,
)};`;

/** One update's gate: its id, and the promises that connect it to the runtime. */
export class Gate {
  readonly id: number;
  readonly reached: Promise<void>;
  #arrived!: () => void;
  #open!: () => void;
  readonly #opened: Promise<void>;

  constructor(id: number) {
    this.id = id;
    this.reached = new Promise((resolve) => (this.#arrived = resolve));
    this.#opened = new Promise((resolve) => (this.#open = resolve));
  }

  /** A new version is evaluating: report it, and wait until the gate opens. */
  arrive(): Promise<void> {
    this.#arrived();
    return this.#opened;
  }

  /** Lets the waiting new versions evaluate. */
  open(): void {
    this.#open();
  }
}
