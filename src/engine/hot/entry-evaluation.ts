/**
 * The program's entry after an update ran it again, as the process's exit code sees it. Node ends
 * a program whose entry still waits at a top-level await when its event loop runs dry with exit
 * code 13 ("unsettled top-level await"). It asks of the entry it ran, the first version. In place,
 * that version's wait is abandoned when the entry is replaced (what it waited on, such as its
 * `once(process, "SIGTERM")` listener, is retired with it): Node would say 13 at every such exit,
 * where the edited program, restarted, ends as it ends (`await once(process, "SIGTERM")`, then
 * `server.close()`: exit code 0).
 *
 * So once the entry was replaced while its first version waited, a 13 that Node gives at exit
 * becomes the program's own code (0) when the version that runs now finished its top level: the
 * `exit` listeners see what they would after a restart. Node's warning line, printed by Node
 * itself before that, still names the first version's await. A wait that rejects after its update
 * was applied is the program's failure, said by `failed`.
 */

/** Node's exit code for an entry whose top-level await never settled. */
const UNSETTLED_TOP_LEVEL_AWAIT = 13;

/** A new version of the entry whose top level still waits: its file and its evaluation. */
export interface RunningEntry {
  readonly file: string;
  readonly evaluation: Promise<unknown>;
}

/** Which version of the entry counts for the exit code, in one process. */
export class EntryEvaluation {
  readonly #process: NodeJS.Process;
  readonly #failed: (file: string, error: unknown) => void;
  /** Whether the first version (Node's) still waits at its top level; undefined: not known. */
  #firstWaits: boolean | undefined;
  /** Whether the version that runs now still waits at its top level. */
  #currentWaits = false;
  /** Bumped at each new version: a wait that settles after its version was replaced changes nothing. */
  #version = 0;
  #wrapped = false;

  /** `target`: the process; `failed`: says a wait that rejected after its update was applied. */
  constructor(target: NodeJS.Process, failed: (file: string, error: unknown) => void) {
    this.#process = target;
    this.#failed = failed;
  }

  /** The first version's evaluation (an `import()` of the entry Node ran, before any update). */
  first(evaluation: Promise<unknown>): void {
    this.#firstWaits = true;
    const settled = (): void => {
      this.#firstWaits = false;
    };
    evaluation.then(settled, settled);
  }

  /** A new version of the entry runs; `running` when its top level still waits. */
  replaced(running: RunningEntry | undefined): void {
    const version = ++this.#version;
    this.#currentWaits = running !== undefined;
    if (this.#firstWaits === true) this.#wrapExit();
    if (running === undefined) return;
    const settled = (): boolean => {
      if (version !== this.#version) return false;
      this.#currentWaits = false;
      return true;
    };
    running.evaluation.then(settled, (error: unknown) => {
      if (settled()) this.#failed(running.file, error);
    });
  }

  /** Puts the program's own exit code in place of Node's 13 for an abandoned first version (see above). */
  #wrapExit(): void {
    if (this.#wrapped) return;
    this.#wrapped = true;
    const target = this.#process;
    const emit = target.emit;
    const entry = this;
    target.emit = function (this: NodeJS.Process, event: string | symbol): boolean {
      // Only Node's own 13: the first version waits, the current one does not, and nobody else set a code.
      const ours =
        event === "exit" &&
        arguments[1] === UNSETTLED_TOP_LEVEL_AWAIT &&
        target.exitCode === UNSETTLED_TOP_LEVEL_AWAIT &&
        entry.#firstWaits &&
        !entry.#currentWaits;
      // `arguments` as they are: no array made on a path every event of `process` takes.
      if (!ours) return Reflect.apply(emit, this, arguments) as boolean;
      target.exitCode = undefined;
      const heard = Reflect.apply(emit, this, ["exit", 0]) as boolean;
      // Node reads the code back after its listeners: unset, it would keep its 13.
      target.exitCode ??= 0;
      return heard;
    } as NodeJS.Process["emit"];
  }
}
