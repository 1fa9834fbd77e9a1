/**
 * Seeded randomness for tests: a test that draws random choices draws them from a seed it prints
 * when it fails, so that a failure seen once can be replayed (`RAPKI_TEST_SEED=S`). The default is
 * a fixed seed: a run in `npm test` makes the same choices every time.
 *
 * (Where real processes and real time are involved, e.g. test/e2e/crash-safety.e2e.test.ts, the seed
 * fixes the test's own choices; the timing of the processes stays the machine's.)
 */

/** Seed of the tests' own random choices when `RAPKI_TEST_SEED` is not set. */
export const DEFAULT_TEST_SEED = 20261207;

/** `RAPKI_TEST_SEED` (an integer) or {@link DEFAULT_TEST_SEED}. */
export function testSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.RAPKI_TEST_SEED;
  if (given === undefined || given === '') return DEFAULT_TEST_SEED;
  const n = Number(given);
  if (!Number.isSafeInteger(n)) throw new Error(`RAPKI_TEST_SEED must be an integer, got ${JSON.stringify(given)}`);
  return n;
}

/**
 * A small xorshift PRNG (uint32 outputs). Cheap and reproducible; not for anything secret.
 */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Random choices drawn from one seed. */
export class SeededRandom {
  readonly seed: number;
  readonly #next: () => number;

  constructor(seed: number) {
    this.seed = seed;
    this.#next = prng(seed);
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return max <= 0 ? 0 : this.#next() % max;
  }

  /** An integer in [min, max). */
  between(min: number, max: number): number {
    return min + this.int(max - min);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** Adds `note` (how to replay) to the message of whatever `fn` throws or rejects with. */
export function withNote<R>(note: string, fn: () => R): R {
  const noted = (err: unknown): unknown => {
    if (err instanceof Error) {
      if (!err.message.includes(note)) err.message = `${err.message}\n${note}`;
      return err;
    }
    return new Error(`${String(err)}\n${note}`);
  };
  try {
    const r = fn();
    if (r instanceof Promise) return r.catch((err: unknown) => Promise.reject(noted(err))) as R;
    return r;
  } catch (err) {
    throw noted(err);
  }
}

/** Runs `fn` and, when it fails, says which `RAPKI_TEST_SEED` replays its random choices. */
export function withTestSeed<R>(seed: number, fn: () => R): R {
  return withNote(`[seed] RAPKI_TEST_SEED=${seed} replays the random choices of this test`, fn);
}
