/**
 * Answers computed once per data version: a bounded pool of promises by key. A failure is not remembered; the
 * oldest answer is evicted past `max`. `clear` drops everything (the data changed).
 */
export class AnswerCache {
  private readonly pool = new Map<string, Promise<unknown>>();

  constructor(private readonly max: number) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let p = this.pool.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.pool.set(key, p);
      // a failure is not remembered
      p.catch(() => this.pool.delete(key));
      if (this.pool.size > this.max) this.pool.delete(this.pool.keys().next().value!);
    }
    return p;
  }

  clear(): void {
    this.pool.clear();
  }
}
