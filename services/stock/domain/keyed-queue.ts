/**
 * Runs tasks one at a time per key, in arrival order, within this process. A task holding
 * several keys waits for every earlier task on any of them (registration is atomic, so this
 * cannot deadlock).
 *
 * Why: optimistic concurrency on a hot level wastes one transaction per loser per round, which
 * grows quadratically with concurrent callers in one process (the local runtime, a bench).
 * Queueing them here removes that self-contention. It is only an optimization: correctness
 * across processes (Lambda instances) still rests on the conditional version check.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const earlier = unique.map((key) => this.tails.get(key)).filter((p): p is Promise<void> => Boolean(p));
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const key of unique) this.tails.set(key, done);
    try {
      await Promise.all(earlier);
      return await task();
    } finally {
      release();
      for (const key of unique) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }
}
