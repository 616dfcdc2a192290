/**
 * A seeded pseudo-random generator (sfc32), so that a failing stress run can be replayed from the
 * seed it prints. Math.random cannot be seeded.
 */

/** A deterministic stream of numbers from a 32-bit seed. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the four words of state.
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A number in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Random.pick: empty list");
    return items[this.int(items.length)]!;
  }

  /** One key of `weights`, chosen with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let at = this.next() * total;
    for (const [key, w] of entries) {
      if ((at -= w) < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  /** Some of `items`, each kept with probability `p`, order kept. */
  some<T>(items: readonly T[], p: number): T[] {
    return items.filter(() => this.chance(p));
  }

  /** Items in a shuffled order (a new array). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A short identifier-safe token, e.g. `k3x9q0`. */
  token(): string {
    let out = "";
    for (let i = 0; i < 8; i++) out += "abcdefghijklmnopqrstuvwxyz0123456789"[this.int(36)];
    return out;
  }
}

/**
 * The seeds to run: from `HOTLOAD_STRESS_SEED` when set (one seed, or several separated by commas:
 * CI runs three fixed ones), else one fresh seed.
 */
export function seedsFromEnv(): number[] {
  const fromEnv = process.env["HOTLOAD_STRESS_SEED"];
  if (fromEnv === undefined || fromEnv.trim() === "")
    return [(Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 0xffffffff)) >>> 0];
  return fromEnv.split(",").map((part) => {
    const seed = Number(part.trim());
    if (part.trim() === "" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`HOTLOAD_STRESS_SEED must be integers in [0, 4294967295] separated by commas, got ${JSON.stringify(fromEnv)}`);
    }
    return seed;
  });
}

/** One seed for a run: the first of {@link seedsFromEnv}. */
export function seedFromEnv(): number {
  return seedsFromEnv()[0]!;
}
